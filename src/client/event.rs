//! Typed events and messages of the Rust API.

use std::time::Duration;

use js_sys::Reflect;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use super::Error;
use crate::engine::Phase;

/// A message, as the server sent it.
///
/// ```no_run
/// # use resilient_ws::Message;
/// let m: Message = "hello".into(); // text
/// let b: Message = vec![0u8, 1, 2].into(); // binary
/// assert_eq!(m, Message::Text("hello".into()));
/// assert!(matches!(b, Message::Binary(bytes) if bytes == [0, 1, 2]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

impl Message {
    /// Parses the message as JSON into `T` (text, or binary holding UTF-8 JSON).
    ///
    /// ```no_run
    /// # use resilient_ws::Message;
    /// #[derive(serde::Deserialize)]
    /// struct Tick { price: f64 }
    /// let m = Message::Text(r#"{"price": 1.5}"#.into());
    /// let tick: Tick = m.json()?;
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let text = match self {
            Message::Text(t) => t.as_str(),
            Message::Binary(b) => {
                core::str::from_utf8(b).map_err(|e| Error::Json(e.to_string()))?
            }
        };
        let v = js_sys::JSON::parse(text).map_err(|e| Error::Json(js_message(&e)))?;
        serde_wasm_bindgen::from_value(v).map_err(|e| Error::Json(e.to_string()))
    }

    /// The text of a text message.
    ///
    /// ```no_run
    /// # use resilient_ws::Message;
    /// assert_eq!(Message::Text("hi".into()).as_text(), Some("hi"));
    /// assert_eq!(Message::Binary(vec![1]).as_text(), None);
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(t) => Some(t),
            Message::Binary(_) => None,
        }
    }

    /// The message's size in bytes (UTF-8 for text).
    ///
    /// ```no_run
    /// # use resilient_ws::Message;
    /// assert_eq!(Message::from("héllo").len(), 6); // UTF-8 bytes
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Message::Text(t) => t.len(),
            Message::Binary(b) => b.len(),
        }
    }

    /// Whether the message is empty.
    ///
    /// ```no_run
    /// # use resilient_ws::Message;
    /// assert!(Message::Binary(Vec::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The JS value `WebSocket.send` takes (a string or a `Uint8Array` copy).
    pub(crate) fn to_js(&self) -> JsValue {
        match self {
            Message::Text(t) => JsValue::from_str(t),
            Message::Binary(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
        }
    }

    /// A message from a JS value: a string, an `ArrayBuffer` or a view (copied).
    pub(crate) fn from_js(v: &JsValue) -> Option<Message> {
        if let Some(s) = v.as_string() {
            Some(Message::Text(s))
        } else if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
            Some(Message::Binary(js_sys::Uint8Array::new(b).to_vec()))
        } else if js_sys::ArrayBuffer::is_view(v) {
            let view = v.unchecked_ref::<js_sys::Uint8Array>();
            let bytes = js_sys::Uint8Array::new_with_byte_offset_and_length(
                &view.buffer(),
                view.byte_offset(),
                view.byte_length(),
            );
            Some(Message::Binary(bytes.to_vec()))
        } else {
            None
        }
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.to_owned())
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Self {
        Message::Binary(b)
    }
}

/// The client's state (`statechange` events): what the JS `state` property names.
///
/// ```no_run
/// # use resilient_ws::State;
/// assert_eq!(State::Waiting.name(), "waiting"); // as JS's `state`
/// assert_eq!(State::Waiting.ready_state(), 3); // CLOSED while a reconnect waits
/// ```
pub type State = Phase;

/// Everything a client reports, typed. The same events, in the same order, as the JS
/// class's listeners see (`open`, `message`, `close`, `reconnecting`, …).
///
/// ```no_run
/// # use futures::StreamExt;
/// # use resilient_ws::{Client, Options};
/// # let client = Client::connect("wss://example.com/socket", Options::new())?;
/// use resilient_ws::Event;
///
/// let mut events = client.events();
/// wasm_bindgen_futures::spawn_local(async move {
///     while let Some(ev) = events.next().await {
///         match ev {
///             Event::Open => {}
///             Event::Message(m) => { let _ = m; }
///             Event::Close { code, reason, was_clean } => { let _ = (code, reason, was_clean); }
///             Event::Reconnecting { attempt, delay } => { let _ = (attempt, delay); }
///             Event::StateChange { from, to } => { let _ = (from, to); }
///             _ => {}
///         }
///     }
/// });
/// # Ok::<(), resilient_ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A socket opened (the first and every reconnected one).
    Open,
    /// A message arrived.
    Message(Message),
    /// The socket reported an error (a `Close` follows).
    Error,
    /// The socket closed (natively, or dropped by the heartbeat: code 4000).
    Close {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
        /// Whether the closing handshake completed.
        was_clean: bool,
    },
    /// A reconnect is scheduled.
    Reconnecting {
        /// Attempt number since the last open (1-based).
        attempt: u32,
        /// Delay before it.
        delay: Duration,
    },
    /// A reconnect succeeded (after `Open`).
    Reconnect {
        /// Which attempt succeeded.
        attempt: u32,
    },
    /// No pong in time: the link was dropped (a `Close` with code 4000 follows).
    HeartbeatTimeout,
    /// A ping was answered: the link's round-trip time (not with the passive heartbeat).
    Pong {
        /// From the ping to its answer.
        rtt: Duration,
    },
    /// `max_retries` attempts failed; the client stays closed.
    ReconnectFailed {
        /// How many attempts were made.
        attempts: u32,
    },
    /// The state changed.
    StateChange {
        /// The previous state.
        from: State,
        /// The new state.
        to: State,
    },
    /// A queued message was dropped (queue bound reached, or cleared by a close).
    QueueOverflow(Message),
}

/// The event types the typed layer listens to.
pub(crate) const TYPES: &[&str] = &[
    "open",
    "message",
    "error",
    "close",
    "reconnecting",
    "reconnect",
    "heartbeat-timeout",
    "pong",
    "reconnect-failed",
    "statechange",
    "queue-overflow",
];

fn num(e: &JsValue, key: &str) -> f64 {
    Reflect::get(e, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

fn text(e: &JsValue, key: &str) -> String {
    Reflect::get(e, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

impl Event {
    /// The typed event for a DOM event the client dispatched (`None` for a `Blob` message:
    /// the Rust API receives binary as `ArrayBuffer`, see [`crate::Client`]).
    pub(crate) fn from_dom(e: &web_sys::Event) -> Option<Event> {
        let v: &JsValue = e.as_ref();
        Some(match e.type_().as_str() {
            "open" => Event::Open,
            "message" => {
                let data = e.unchecked_ref::<web_sys::MessageEvent>().data();
                match Message::from_js(&data) {
                    Some(m) => Event::Message(m),
                    None => {
                        warn_blob_once(&data);
                        return None;
                    }
                }
            }
            "error" => Event::Error,
            "close" => {
                let c = e.unchecked_ref::<web_sys::CloseEvent>();
                Event::Close {
                    code: c.code(),
                    reason: c.reason(),
                    was_clean: c.was_clean(),
                }
            }
            "reconnecting" => Event::Reconnecting {
                attempt: num(v, "attempt") as u32,
                delay: Duration::from_millis(num(v, "delay") as u64),
            },
            "reconnect" => Event::Reconnect {
                attempt: num(v, "attempt") as u32,
            },
            "heartbeat-timeout" => Event::HeartbeatTimeout,
            "pong" => Event::Pong {
                rtt: Duration::from_millis(num(v, "rtt") as u64),
            },
            "reconnect-failed" => Event::ReconnectFailed {
                attempts: num(v, "attempts") as u32,
            },
            "statechange" => Event::StateChange {
                from: Phase::from_name(&text(v, "from"))?,
                to: Phase::from_name(&text(v, "to"))?,
            },
            "queue-overflow" => {
                let data = Reflect::get(v, &JsValue::from_str("data")).ok()?;
                Event::QueueOverflow(Message::from_js(&data)?)
            }
            _ => return None,
        })
    }
}

thread_local! {
    static BLOB_WARNED: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// A `Blob` message cannot be read synchronously, so typed listeners cannot get its bytes
/// in order: said once, with the fix, instead of a silent loss. (Clients the Rust API
/// creates receive `ArrayBuffer`; this is a client JS created with `binaryType` 'blob'
/// and picked up with [`crate::Client::get_instance`].)
fn warn_blob_once(data: &JsValue) {
    if !data.is_instance_of::<web_sys::Blob>() || BLOB_WARNED.with(|w| w.replace(true)) {
        return;
    }
    web_sys::console::warn_1(&JsValue::from_str(
        "resilient-ws: a binary message arrived as a Blob, which the Rust API's typed events \
         cannot read in order; it is not in the typed stream. Set binaryType = 'arraybuffer' \
         on the client (JS: ws.binaryType = 'arraybuffer'), or read it with Client::on(\"message\", …).",
    ));
}
