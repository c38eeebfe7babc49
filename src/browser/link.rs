//! A shared client's link to the other tabs: the `BroadcastChannel` and the Web Lock of
//! `shared.js` as one RAII value, and the wire format of [`crate::shared::Msg`] (plain
//! objects, `v: 1`). The decisions are the coordinator's (`src/shared.rs`).

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::engine::{Event, Phase};
use crate::shared::{Msg, Snapshot, TabId, PROTOCOL_VERSION};

#[wasm_bindgen(module = "/src/browser/shared.js")]
extern "C" {
    #[wasm_bindgen(js_name = sharedUnsupported)]
    pub(crate) fn shared_unsupported() -> String;
    #[wasm_bindgen(js_name = warnUnshared)]
    pub(crate) fn warn_unshared(reason: &str);
    #[wasm_bindgen(js_name = openLink)]
    fn open_link(name: &str, cb: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = post)]
    fn post_raw(link: &JsValue, msg: &JsValue);
    #[wasm_bindgen(js_name = requestLock)]
    fn request_lock_raw(link: &JsValue, steal: bool);
    #[wasm_bindgen(js_name = releaseLock)]
    fn release_lock_raw(link: &JsValue);
    #[wasm_bindgen(js_name = closeLink)]
    fn close_link(link: &JsValue);
    #[wasm_bindgen(js_name = makeRelay)]
    fn make_relay(link: &JsValue, from: f64) -> JsValue;
}

/// The default key of a shared client: the URL and the subprotocols.
pub(crate) fn default_key<'a>(url: &str, protocols: impl Iterator<Item = &'a str>) -> String {
    let mut k = url.to_owned();
    for p in protocols {
        k.push(' ');
        k.push_str(p);
    }
    k
}

/// The channel and lock name for `key` (`resilient-ws:` and the key), or `None` with one
/// console warning per page where the platform cannot share (no Web Locks, no
/// BroadcastChannel, an insecure context): the client then owns its socket.
pub(crate) fn channel_name(key: &str) -> Option<String> {
    let why = shared_unsupported();
    if !why.is_empty() {
        warn_unshared(&why);
        return None;
    }
    let mut name = String::from("resilient-ws:");
    name.push_str(key);
    Some(name)
}

/// The channel and the lock. Dropping it closes the channel and releases the lock before
/// the closure drops (`shared.js` calls nothing after `closeLink`).
pub(crate) struct Link {
    js: JsValue,
    _events: Closure<dyn FnMut(u8, JsValue)>,
}

impl Link {
    /// Opens the channel; `on_event(0, data)` for each channel message, `(1, _)` when the
    /// lock is granted, `(2, _)` when it was taken.
    pub(crate) fn open(name: &str, on_event: impl FnMut(u8, JsValue) + 'static) -> Link {
        let events = Closure::<dyn FnMut(u8, JsValue)>::new(on_event);
        let js = open_link(name, events.as_ref());
        Link {
            js,
            _events: events,
        }
    }

    pub(crate) fn post(&self, msg: &Msg<JsValue>) {
        post_raw(&self.js, &encode(msg));
    }

    pub(crate) fn request_lock(&self, steal: bool) {
        request_lock_raw(&self.js, steal);
    }

    pub(crate) fn release_lock(&self) {
        release_lock_raw(&self.js);
    }

    /// The function the socket's message path calls to relay server messages.
    pub(crate) fn relay(&self, from: TabId) -> JsValue {
        make_relay(&self.js, from as f64)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        close_link(&self.js);
    }
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

fn num(n: impl Into<f64>) -> JsValue {
    JsValue::from_f64(n.into())
}

/// `Msg` as a plain object: `{ v, k, f?, … }`.
pub(crate) fn encode(msg: &Msg<JsValue>) -> JsValue {
    let o = Object::new();
    set(&o, "v", &num(PROTOCOL_VERSION));
    let kind = |k: &str| set(&o, "k", &JsValue::from_str(k));
    let from = |f: TabId| set(&o, "f", &num(f as f64));
    match msg {
        Msg::Hello { from: f } => {
            kind("hello");
            from(*f);
        }
        Msg::Beat {
            from: f,
            epoch,
            snapshot,
        } => {
            kind("beat");
            from(*f);
            set(&o, "e", &num(*epoch as f64));
            set(&o, "p", &JsValue::from_str(snapshot.phase.name()));
            set(&o, "pr", &JsValue::from_str(&snapshot.protocol));
            set(&o, "x", &JsValue::from_str(&snapshot.extensions));
            set(&o, "u", &JsValue::from_str(&snapshot.url));
        }
        Msg::Send { from: f, seq, data } => {
            kind("send");
            from(*f);
            set(&o, "s", &num(*seq as f64));
            set(&o, "d", data);
        }
        Msg::Ack { to, seq } => {
            kind("ack");
            set(&o, "t", &num(*to as f64));
            set(&o, "s", &num(*seq as f64));
        }
        Msg::Event { from: f, event } => {
            kind("ev");
            from(*f);
            encode_event(&o, event);
        }
        Msg::Message { from: f, data } => {
            kind("msg");
            from(*f);
            set(&o, "d", data);
        }
        Msg::Leave { from: f } => {
            kind("leave");
            from(*f);
        }
        Msg::Reconnect { from: f } => {
            kind("reconnect");
            from(*f);
        }
    }
    o.into()
}

fn encode_event(o: &Object, ev: &Event<JsValue>) {
    let ty = |t: &str| set(o, "t", &JsValue::from_str(t));
    match ev {
        Event::StateChange { from, to } => {
            ty("statechange");
            set(o, "a", &JsValue::from_str(from.name()));
            set(o, "b", &JsValue::from_str(to.name()));
        }
        Event::Open => ty("open"),
        Event::Reconnect { attempt } => {
            ty("reconnect");
            set(o, "n", &num(*attempt));
        }
        Event::Error => ty("error"),
        Event::Close {
            code,
            reason,
            was_clean,
        } => {
            ty("close");
            set(o, "c", &num(*code));
            set(o, "r", &JsValue::from_str(reason));
            set(o, "w", &JsValue::from_bool(*was_clean));
        }
        Event::Reconnecting { attempt, delay } => {
            ty("reconnecting");
            set(o, "n", &num(*attempt));
            set(o, "ms", &num(*delay as f64));
        }
        Event::HeartbeatTimeout => ty("heartbeat-timeout"),
        Event::Pong { rtt } => {
            ty("pong");
            set(o, "ms", &num(*rtt as f64));
        }
        Event::ReconnectFailed { attempts } => {
            ty("reconnect-failed");
            set(o, "n", &num(*attempts));
        }
        // The leader's own; never relayed.
        Event::QueueOverflow { .. } => ty("queue-overflow"),
    }
}

struct Reader(JsValue);

impl Reader {
    fn get(&self, k: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    }
    fn num(&self, k: &str) -> Option<f64> {
        self.get(k).as_f64().filter(|n| n.is_finite() && *n >= 0.0)
    }
    fn id(&self, k: &str) -> Option<TabId> {
        self.num(k).map(|n| n as TabId)
    }
    fn text(&self, k: &str) -> String {
        self.get(k).as_string().unwrap_or_default()
    }
    fn phase(&self, k: &str) -> Option<Phase> {
        self.get(k).as_string().and_then(|s| Phase::from_name(&s))
    }
}

/// A channel message as a `Msg`; `None` for anything else (another version, garbage).
pub(crate) fn decode(v: JsValue) -> Option<Msg<JsValue>> {
    if !v.is_object() {
        return None;
    }
    let r = Reader(v);
    if r.num("v") != Some(PROTOCOL_VERSION as f64) {
        return None;
    }
    let kind = r.get("k").as_string()?;
    let from = r.id("f");
    Some(match kind.as_str() {
        "hello" => Msg::Hello { from: from? },
        "beat" => Msg::Beat {
            from: from?,
            epoch: r.num("e")? as u64,
            snapshot: Snapshot {
                phase: r.phase("p")?,
                protocol: r.text("pr"),
                extensions: r.text("x"),
                url: r.text("u"),
            },
        },
        "send" => Msg::Send {
            from: from?,
            seq: r.num("s")? as u64,
            data: r.get("d"),
        },
        "ack" => Msg::Ack {
            to: r.id("t")?,
            seq: r.num("s")? as u64,
        },
        "ev" => Msg::Event {
            from: from?,
            event: decode_event(&r)?,
        },
        "msg" => Msg::Message {
            from: from?,
            data: r.get("d"),
        },
        "leave" => Msg::Leave { from: from? },
        "reconnect" => Msg::Reconnect { from: from? },
        _ => return None,
    })
}

fn decode_event(r: &Reader) -> Option<Event<JsValue>> {
    let n = |k: &str| r.num(k).map(|n| n as u32);
    Some(match r.get("t").as_string()?.as_str() {
        "statechange" => Event::StateChange {
            from: r.phase("a")?,
            to: r.phase("b")?,
        },
        "open" => Event::Open,
        "reconnect" => Event::Reconnect { attempt: n("n")? },
        "error" => Event::Error,
        "close" => Event::Close {
            code: r.num("c")? as u16,
            reason: r.text("r"),
            was_clean: r.get("w").is_truthy(),
        },
        "reconnecting" => Event::Reconnecting {
            attempt: n("n")?,
            delay: r.num("ms")? as u64,
        },
        "heartbeat-timeout" => Event::HeartbeatTimeout,
        "pong" => Event::Pong {
            rtt: r.num("ms")? as u64,
        },
        "reconnect-failed" => Event::ReconnectFailed { attempts: n("n")? },
        _ => return None,
    })
}
