//! Engine configuration: the seed's defaults, validated once with clear errors.

use crate::text::{message, Part::N, Part::S};
use serde::{Deserialize, Serialize};

/// The seed's ping interval: a heartbeat every 30 s.
pub const DEFAULT_PING_INTERVAL_MS: u64 = 30_000;
/// The seed's pong wait: 5 s after a ping.
pub const DEFAULT_PONG_TIMEOUT_MS: u64 = 5_000;
/// The seed's reconnect delay: 15 s after a drop.
pub const DEFAULT_RECONNECT_DELAY_MS: u64 = 15_000;
/// Default wait for the close event after the user's `close()` (0 with `pingInterval: 0`,
/// where the client behaves as a native socket).
pub const DEFAULT_CLOSE_TIMEOUT_MS: u64 = 5_000;
/// Default bound on queued messages while not open.
pub const DEFAULT_MAX_QUEUED: usize = 1000;
/// Default bound on queued bytes while not open (1 MiB).
pub const DEFAULT_MAX_QUEUED_BYTES: usize = 1 << 20;
/// A timer that fires this much later than its deadline means the page was frozen or
/// throttled (background tab, laptop sleep): a verdict of death is then re-checked once.
pub const STALL_THRESHOLD_MS: u64 = 1_000;
/// A timer for a wait at most this long is armed as one timer; a longer one is armed in
/// stages (see [`wake_delay`]).
pub const STAGED_TIMER_FINAL_MS: u64 = 64;

/// How long the shell's next timer waits for a deadline `remaining` ms away. Firefox
/// coalesces timers: one armed for D ms may be held back by up to D/8 (its TimerThread's
/// firing tolerance, capped by the pref `timer.maximum_firing_delay_tolerance_ms`) to fire
/// in one wake-up with another timer of the process due in that window: a default ping may
/// go out 3.75 s late (measured: 3.6 s), a pong deadline 625 ms. So on a visible page
/// (`staged`) a long wait is armed in stages of 7/8 of what remains: even held back by its
/// full tolerance a stage lands before the deadline (63/64 of the way), and the last timer
/// (at most [`STAGED_TIMER_FINAL_MS`]) may be held back a few ms. Four timers instead of
/// one for a 30 s or a 5 s wait. Hidden pages keep one timer (their timers are throttled by
/// design, and Chromium throttles chains of timers harder).
pub fn wake_delay(remaining: u64, staged: bool) -> u64 {
    if staged && remaining > STAGED_TIMER_FINAL_MS {
        remaining - remaining / 8
    } else {
        remaining
    }
}

/// What `ping` sends by default: the seed's `JSON.stringify({ request: 'ping' })`.
pub const DEFAULT_PING_MESSAGE: &str = r#"{"request":"ping"}"#;
/// After a socket's `error`, how long the `close` that natively follows is waited for before
/// the socket is given up as closed (1006) and the reconnect policy applies.
pub const ERROR_CLOSE_GRACE_MS: u64 = 3_000;
/// The largest delay any timer option accepts (about 24.8 days, `setTimeout`'s limit).
pub const MAX_DELAY_MS: u64 = i32::MAX as u64;

/// What to do when a message does not fit in the send queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowPolicy {
    /// Drop the oldest queued messages to make room (each one is reported).
    #[default]
    DropOldest,
    /// Refuse the new message (it is reported).
    DropNewest,
    /// Refuse the new message with an error thrown from `send`.
    Error,
}

impl OverflowPolicy {
    /// Parses the option's JS spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "drop-oldest" => Some(Self::DropOldest),
            "drop-newest" => Some(Self::DropNewest),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// Engine behaviour. All durations are milliseconds.
///
/// ```
/// use resilient_ws::engine::Config;
///
/// let cfg = Config { ping_interval: 20_000, ..Config::default() };
/// assert!(cfg.validate().is_ok());
/// assert_eq!(Config::default().reconnect_delay, 15_000);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// Time between pings while open; 0 turns the heartbeat off.
    pub ping_interval: u64,
    /// How long to wait for any inbound message (or a pong) after a ping.
    pub pong_timeout: u64,
    /// Reconnect after a close the user did not ask for.
    pub reconnect: bool,
    /// Delay before the first reconnect attempt.
    pub reconnect_delay: u64,
    /// Multiplier applied per failed attempt (1 = constant delay).
    pub backoff_factor: f64,
    /// Upper bound of the delay once backoff applies.
    pub max_reconnect_delay: u64,
    /// Full jitter: the delay is uniform in `[0, computed delay]`.
    pub jitter: bool,
    /// Give up after this many consecutive failed attempts (`None` = never).
    pub max_retries: Option<u32>,
    /// A socket still CONNECTING after this long counts as a failed attempt (0 = never).
    pub connect_timeout: u64,
    /// After the user's `close()`, a socket whose close event has not come after this long
    /// (a dead peer never answers the closing handshake) is dropped and reported closed
    /// (1006). 0 = wait for the browser, as a native socket does. `None`: derived
    /// ([`Config::close_timeout_ms`]: 5000, or 0 without a heartbeat).
    pub close_timeout: Option<u64>,
    /// Messages kept while not open (0 = native behaviour: throw while CONNECTING).
    /// `None`: derived ([`Config::max_queued_len`]: 1000, or 0 with `reconnect: false`).
    pub max_queued: Option<usize>,
    /// Bytes kept while not open.
    pub max_queued_bytes: usize,
    /// What happens when the queue is full.
    pub overflow: OverflowPolicy,
    /// Back/forward cache: when the page is stored in the cache (`pagehide` with
    /// `persisted`), close the socket cleanly and hold reconnecting; when it is restored
    /// (`pageshow` with `persisted`), reconnect at once. `false`: leave the socket to the
    /// browser (it is closed on restore and the reconnect policy applies).
    pub bfcache: bool,
    /// A passive heartbeat (the server pings, e.g. socket.io): no ping is sent, and the
    /// link is dropped when no message at all arrives for `ping_interval + pong_timeout`.
    pub passive: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ping_interval: DEFAULT_PING_INTERVAL_MS,
            pong_timeout: DEFAULT_PONG_TIMEOUT_MS,
            reconnect: true,
            reconnect_delay: DEFAULT_RECONNECT_DELAY_MS,
            backoff_factor: 1.0,
            max_reconnect_delay: 300_000,
            jitter: false,
            max_retries: None,
            connect_timeout: 0,
            close_timeout: None,
            max_queued: None,
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            overflow: OverflowPolicy::DropOldest,
            bfcache: true,
            passive: false,
        }
    }
}

/// Which JS error class a configuration error maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The value has the wrong type.
    Type,
    /// The value has the right type but is out of range.
    Range,
    /// The value is syntactically invalid (URLs, protocols, close reasons).
    Syntax,
    /// The value is not allowed for this operation (close codes).
    InvalidAccess,
    /// The operation is not allowed in the current state.
    InvalidState,
}

impl ErrorKind {
    /// The JS error name, as the platform spells it.
    pub fn js_name(self) -> &'static str {
        match self {
            ErrorKind::Type => "TypeError",
            ErrorKind::Range => "RangeError",
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::InvalidAccess => "InvalidAccessError",
            ErrorKind::InvalidState => "InvalidStateError",
        }
    }
}

/// A validation error: its kind and a message that says what was wrong and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Which JS error to raise.
    pub kind: ErrorKind,
    /// Human-readable explanation.
    pub message: String,
}

impl Error {
    /// Builds an error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.kind.js_name(), self.message)
    }
}

impl std::error::Error for Error {}

impl Config {
    /// The close timeout in force: the explicit value, else [`DEFAULT_CLOSE_TIMEOUT_MS`],
    /// or 0 when the heartbeat is off (the client is then a plain socket and waits for
    /// the browser, as natively). The one place this default is derived, for JS and Rust.
    pub fn close_timeout_ms(&self) -> u64 {
        match self.close_timeout {
            Some(v) => v,
            None if self.ping_interval == 0 => 0,
            None => DEFAULT_CLOSE_TIMEOUT_MS,
        }
    }

    /// The queue bound in force: the explicit value, else [`DEFAULT_MAX_QUEUED`], or 0
    /// (native `send`: `InvalidStateError` while CONNECTING) with `reconnect: false`.
    pub fn max_queued_len(&self) -> usize {
        match self.max_queued {
            Some(v) => v,
            None if !self.reconnect => 0,
            None => DEFAULT_MAX_QUEUED,
        }
    }

    /// Checks every field; the message names the option and the allowed range.
    ///
    /// ```
    /// use resilient_ws::engine::{Config, ErrorKind};
    ///
    /// let bad = Config { backoff_factor: 0.5, ..Config::default() };
    /// let e = bad.validate().unwrap_err();
    /// assert_eq!(e.kind, ErrorKind::Range); // RangeError, naming the option
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let delay = |name: &str, v: u64, min: u64| {
            if v < min || v > MAX_DELAY_MS {
                Err(Error::new(
                    ErrorKind::Range,
                    message(&[
                        S("option '"),
                        S(name),
                        S("' is "),
                        N(v),
                        S(" ms; allowed: "),
                        N(min),
                        S(" to "),
                        N(MAX_DELAY_MS),
                        S(" ms"),
                    ]),
                ))
            } else {
                Ok(())
            }
        };
        delay("pingInterval", self.ping_interval, 0)?;
        if self.ping_interval > 0 {
            delay("pongTimeout", self.pong_timeout, 1)?;
        }
        delay("reconnectDelay", self.reconnect_delay, 0)?;
        delay("maxReconnectDelay", self.max_reconnect_delay, 0)?;
        delay("connectTimeout", self.connect_timeout, 0)?;
        delay("closeTimeout", self.close_timeout.unwrap_or(0), 0)?;
        if !(self.backoff_factor.is_finite() && (1.0..=100.0).contains(&self.backoff_factor)) {
            return Err(Error::new(
                ErrorKind::Range,
                message(&[
                    S("option 'backoffFactor' is "),
                    S(&crate::text::number_text(self.backoff_factor)),
                    S("; allowed: a finite number from 1 to 100"),
                ]),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seeds() {
        let c = Config::default();
        assert_eq!(c.ping_interval, 30_000);
        assert_eq!(c.pong_timeout, 5_000);
        assert_eq!(c.reconnect_delay, 15_000);
        assert!(c.reconnect);
        assert!(c.validate().is_ok());
        assert_eq!(c.close_timeout_ms(), 5_000);
        assert_eq!(c.max_queued_len(), 1_000);
    }

    #[test]
    fn defaults_are_derived_in_config_for_js_and_rust_alike() {
        // A plain socket: no heartbeat → wait for the browser's close; no reconnect → no queue.
        let c = Config {
            ping_interval: 0,
            reconnect: false,
            ..Config::default()
        };
        assert_eq!(c.close_timeout_ms(), 0);
        assert_eq!(c.max_queued_len(), 0);
        // Explicit values win.
        let c = Config {
            ping_interval: 0,
            reconnect: false,
            close_timeout: Some(7),
            max_queued: Some(3),
            ..Config::default()
        };
        assert_eq!(c.close_timeout_ms(), 7);
        assert_eq!(c.max_queued_len(), 3);
    }

    #[test]
    fn validation_names_the_option_and_the_range() {
        let c = Config {
            pong_timeout: 0,
            ..Config::default()
        };
        let e = c.validate().unwrap_err();
        assert_eq!(e.kind, ErrorKind::Range);
        assert!(e.message.contains("pongTimeout"), "{}", e.message);
        assert!(e.message.contains("allowed"), "{}", e.message);
        let c = Config {
            backoff_factor: f64::NAN,
            ..Config::default()
        };
        assert!(c.validate().unwrap_err().message.contains("backoffFactor"));
        // pongTimeout does not matter when the heartbeat is off.
        let c = Config {
            ping_interval: 0,
            pong_timeout: 0,
            ..Config::default()
        };
        assert!(c.validate().is_ok());
    }

    #[test]
    fn overflow_policy_parses_js_spellings() {
        assert_eq!(
            OverflowPolicy::parse("drop-oldest"),
            Some(OverflowPolicy::DropOldest)
        );
        assert_eq!(
            OverflowPolicy::parse("drop-newest"),
            Some(OverflowPolicy::DropNewest)
        );
        assert_eq!(OverflowPolicy::parse("error"), Some(OverflowPolicy::Error));
        assert_eq!(OverflowPolicy::parse("drop"), None);
    }
}
