//! Options of the Rust client, in Rust terms: `Duration`s and a builder.

use std::time::Duration;

use crate::engine::config::DEFAULT_PING_MESSAGE;
use crate::engine::{Config, OverflowPolicy};

/// How a client behaves: the seed's defaults (ping every 30 s, pong within 5 s, reconnect
/// after 15 s), changed with the builder methods. Validated once, by
/// [`crate::Client::connect`], with the JS class's messages (`RangeError: option
/// 'pingInterval' is …; allowed: …`).
///
/// ```no_run
/// use std::time::Duration;
/// use resilient_ws::{Client, Options};
///
/// let client = Client::connect(
///     "wss://example.com/socket",
///     Options::new()
///         .ping_interval(Duration::from_secs(20))
///         .pong_timeout(Duration::from_secs(3))
///         .reconnect_delay(Duration::from_secs(2))
///         .backoff(2.0, Duration::from_secs(60))
///         .protocols(["chat"]),
/// )?;
/// # Ok::<(), resilient_ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub(crate) config: Config,
    pub(crate) protocols: Vec<String>,
    pub(crate) ping_message: Heartbeat,
    pub(crate) pong_message: Option<Heartbeat>,
    pub(crate) hide_pongs: bool,
    pub(crate) key: Option<String>,
    pub(crate) shared: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: Config::default(),
            protocols: Vec::new(),
            ping_message: Heartbeat::Text(DEFAULT_PING_MESSAGE.to_owned()),
            pong_message: None,
            hide_pongs: false,
            key: None,
            shared: false,
        }
    }
}

/// A heartbeat message: text, bytes, or none at all (the passive heartbeat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Heartbeat {
    Text(String),
    Binary(Vec<u8>),
    Passive,
}

impl Heartbeat {
    /// The message as the shell takes it: a string, an `ArrayBuffer`, or `null`.
    pub(crate) fn to_js(&self) -> wasm_bindgen::JsValue {
        match self {
            Heartbeat::Text(t) => wasm_bindgen::JsValue::from_str(t),
            Heartbeat::Binary(b) => js_sys::Uint8Array::from(b.as_slice()).buffer().into(),
            Heartbeat::Passive => wasm_bindgen::JsValue::NULL,
        }
    }
}

/// Milliseconds, saturating (an out-of-range value is then reported by validation).
fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Options {
    /// The seed's defaults.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new(); // 30 s / 5 s / 15 s
    /// assert_eq!(options, Options::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Ping this often while open (`Duration::ZERO`: no heartbeat). Default 30 s.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().ping_interval(Duration::from_secs(20));
    /// let no_heartbeat = Options::new().ping_interval(Duration::ZERO);
    /// ```
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.config.ping_interval = ms(d);
        self
    }

    /// After a ping, wait this long for any message (or the pong). Default 5 s.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().pong_timeout(Duration::from_secs(3));
    /// ```
    pub fn pong_timeout(mut self, d: Duration) -> Self {
        self.config.pong_timeout = ms(d);
        self
    }

    /// What a ping sends. Default `{"request":"ping"}`.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().ping_message("ping");
    /// ```
    pub fn ping_message(mut self, m: impl Into<String>) -> Self {
        self.ping_message = Heartbeat::Text(m.into());
        self
    }

    /// A binary ping (a protocol's ping frame, such as MQTT's PINGREQ `[0xc0, 0]`).
    ///
    /// ```no_run
    /// # use resilient_ws::Options;
    /// let options = Options::new()
    ///     .ping_bytes([0xc0, 0x00])
    ///     .pong_bytes([0xd0, 0x00])
    ///     .hide_pongs(true);
    /// ```
    pub fn ping_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.ping_message = Heartbeat::Binary(bytes.into());
        self
    }

    /// The passive heartbeat, for servers that ping (socket.io) or send heart-beats
    /// (STOMP): nothing is sent, and the link is dropped after `ping_interval +
    /// pong_timeout` without any message (JS: `pingMessage: null`).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new()
    ///     .passive_heartbeat()
    ///     .ping_interval(Duration::from_secs(25))
    ///     .pong_timeout(Duration::from_secs(5));
    /// ```
    pub fn passive_heartbeat(mut self) -> Self {
        self.ping_message = Heartbeat::Passive;
        self
    }

    /// Only a message equal to this counts as the pong (default: every message does).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().ping_message("ping").pong_message("pong");
    /// ```
    pub fn pong_message(mut self, m: impl Into<String>) -> Self {
        self.pong_message = Some(Heartbeat::Text(m.into()));
        self
    }

    /// Only a binary message with exactly these bytes counts as the pong.
    ///
    /// ```no_run
    /// # use resilient_ws::Options;
    /// let options = Options::new().ping_bytes([0xc0, 0]).pong_bytes([0xd0, 0]);
    /// ```
    pub fn pong_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.pong_message = Some(Heartbeat::Binary(bytes.into()));
        self
    }

    /// Keep the pong that answers our own ping (matched by [`Options::pong_message`]) away
    /// from listeners and streams; pongs to pings the application sent itself pass.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().pong_message("pong").hide_pongs(true);
    /// ```
    pub fn hide_pongs(mut self, hide: bool) -> Self {
        self.hide_pongs = hide;
        self
    }

    /// Reconnect after a close the user did not ask for. Default true.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().reconnect(false); // behaves like a plain socket on close
    /// ```
    pub fn reconnect(mut self, on: bool) -> Self {
        self.config.reconnect = on;
        self
    }

    /// Delay before a reconnect. Default 15 s.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().reconnect_delay(Duration::from_secs(2));
    /// ```
    pub fn reconnect_delay(mut self, d: Duration) -> Self {
        self.config.reconnect_delay = ms(d);
        self
    }

    /// Exponential backoff: the delay is multiplied by `factor` per failed attempt, up to
    /// `max`. Default: constant (factor 1).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// // 2 s, 4 s, 8 s, … up to 60 s
    /// let options = Options::new()
    ///     .reconnect_delay(Duration::from_secs(2))
    ///     .backoff(2.0, Duration::from_secs(60));
    /// ```
    pub fn backoff(mut self, factor: f64, max: Duration) -> Self {
        self.config.backoff_factor = factor;
        self.config.max_reconnect_delay = ms(max);
        self
    }

    /// Full jitter: each delay is uniform in `[0, delay]`.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().backoff(2.0, Duration::from_secs(60)).jitter(true);
    /// ```
    pub fn jitter(mut self, on: bool) -> Self {
        self.config.jitter = on;
        self
    }

    /// Give up after this many consecutive failed attempts (`None`: never, the default).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().max_retries(Some(5)); // then Event::ReconnectFailed
    /// ```
    pub fn max_retries(mut self, n: Option<u32>) -> Self {
        self.config.max_retries = n;
        self
    }

    /// A socket still connecting after this long counts as a failed attempt (zero: never,
    /// the default).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().connect_timeout(Duration::from_secs(10));
    /// ```
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config.connect_timeout = ms(d);
        self
    }

    /// After [`crate::Client::close`], give up on a peer that does not answer the closing
    /// handshake after this long (default 5 s; zero: wait for the browser).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().close_timeout(Duration::from_secs(2));
    /// ```
    pub fn close_timeout(mut self, d: Duration) -> Self {
        self.config.close_timeout = Some(ms(d));
        self
    }

    /// Messages kept while not open (default 1000; 0: sending while connecting fails, as
    /// natively).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().max_queued(100);
    /// ```
    pub fn max_queued(mut self, n: usize) -> Self {
        self.config.max_queued = Some(n);
        self
    }

    /// Bytes kept while not open (default 1 MiB).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().max_queued_bytes(64 * 1024);
    /// ```
    pub fn max_queued_bytes(mut self, n: usize) -> Self {
        self.config.max_queued_bytes = n;
        self
    }

    /// What happens when the queue is full (default: drop the oldest, reported by
    /// [`crate::Event::QueueOverflow`]).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// use resilient_ws::engine::OverflowPolicy;
    ///
    /// let options = Options::new().overflow(OverflowPolicy::Error); // a full queue: Error::Range
    /// ```
    pub fn overflow(mut self, p: OverflowPolicy) -> Self {
        self.config.overflow = p;
        self
    }

    /// Close while the page is in the back/forward cache, reconnect at once when it is
    /// restored (default true).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().bfcache(false); // leave the socket to the browser
    /// ```
    pub fn bfcache(mut self, on: bool) -> Self {
        self.config.bfcache = on;
        self
    }

    /// Subprotocols to offer.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().protocols(["chat", "chat.v2"]);
    /// ```
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The registry key for [`crate::Client::get_instance`] (default: the resolved URL),
    /// and the key shared clients meet by (default: the URL and the subprotocols).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().key("chat"); // Client::get_instance(url, options) meets by "chat"
    /// ```
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// One socket for every same-origin tab's shared client of the same key (default
    /// false): the tabs elect a leader (Web Locks) that owns the socket and relays it to
    /// the others (`BroadcastChannel`). Where the platform cannot share, the client owns
    /// its socket and one console warning says why.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().shared(true); // one socket for all tabs
    /// ```
    pub fn shared(mut self, on: bool) -> Self {
        self.shared = on;
        self
    }

    /// The engine configuration these options describe.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use resilient_ws::Options;
    /// let options = Options::new().reconnect_delay(Duration::from_secs(2));
    /// assert_eq!(options.config().reconnect_delay, 2000);
    /// ```
    pub fn config(&self) -> &Config {
        &self.config
    }
}
