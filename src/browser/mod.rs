//! The browser shell: owns the `web_sys::WebSocket`, its closures, the one timer and the
//! page listeners; translates browser events into engine inputs and executes the engine's
//! actions. It decides nothing itself.
//!
//! Re-entrancy: the engine lives in a `RefCell` that is borrowed only to feed one input or
//! pop one action, never while user JS runs, so a listener may call `send`, `close` or
//! `reconnect` on the same client.

pub(crate) mod listeners;
mod socket;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent};

use crate::engine::{Action, Config, Engine, Event, Millis, Phase, SendOutcome, SocketId};
use crate::errors;
pub use listeners::{Listeners, RustCallback};
use socket::SocketSlot;

#[wasm_bindgen(inline_js = r#"
function retarget(state, e) {
  const base = Object.getPrototypeOf(e);
  if (state.base !== base || state.protoMe !== state.me) {
    const me = state.me;
    const get = { get() { return me; }, configurable: true };
    state.proto = Object.create(base, { target: get, currentTarget: get, srcElement: get });
    state.base = base;
    state.protoMe = me;
  }
  Object.setPrototypeOf(e, state.proto);
}
export function retargetMessage(state, e) {
  retarget(state, e);
}
export function makeMessageHandler(state, slow) {
  return function (e) {
    const f = state.fast;
    if (f === null) { slow(e); return; }
    retarget(state, e);
    try { f.call(state.me, e); } catch (err) { (globalThis.reportError || console.error)(err); }
  };
}
export function newFastState() {
  return { fast: null, me: undefined, proto: null, base: null, protoMe: undefined };
}
"#)]
extern "C" {
    /// Makes `e.target` (and `currentTarget`) the client: the browser's event is
    /// re-parented onto a per-client prototype (built from the event's own prototype, once)
    /// whose getters return the client. Cheaper per message than defining properties.
    #[wasm_bindgen(js_name = retargetMessage)]
    fn retarget_message(state: &Object, e: &JsValue);

    /// The socket's `onmessage`: calls the one plain listener directly from JS while
    /// nothing needs Rust (no pong awaited, no pong matcher, no JSON mode; `state.fast`
    /// set by [`refresh_fast`]), and the Rust handler `slow` otherwise.
    #[wasm_bindgen(js_name = makeMessageHandler)]
    pub(crate) fn make_message_handler(state: &Object, slow: &JsValue) -> Function;

    #[wasm_bindgen(js_name = newFastState)]
    fn new_fast_state() -> Object;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// A `WebSocket` seen through a wider `send` signature.
    #[wasm_bindgen(extends = web_sys::WebSocket)]
    type AnySocket;

    /// `WebSocket.prototype.send` with any value: no copy of the data through Rust.
    #[wasm_bindgen(method, js_name = send, catch)]
    fn send_any(this: &AnySocket, data: &JsValue) -> Result<(), JsValue>;

    /// `JSON.parse` on a JS string, without copying it through Rust.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// Sends any JS value the socket accepts (string, ArrayBuffer, view, Blob) without copying.
fn send_raw(ws: &web_sys::WebSocket, data: &JsValue) -> Result<(), JsValue> {
    ws.unchecked_ref::<AnySocket>().send_any(data)
}

/// The shell's clock: `performance.now()` in whole milliseconds.
pub fn now() -> Millis {
    performance_now().max(0.0) as Millis
}

/// Where each attempt's URL comes from.
#[derive(Clone)]
pub enum UrlSource {
    /// A fixed, already validated and resolved URL.
    Fixed(String),
    /// A function called before every attempt (may return a Promise).
    Dynamic(Function),
}

/// Where each attempt's subprotocols come from.
#[derive(Clone)]
pub enum ProtocolsSource {
    /// Fixed, already validated.
    Fixed(Array),
    /// A function called before every attempt (may return a Promise).
    Dynamic(Function),
}

/// Shell-level options (what the engine does not need to know).
#[derive(Clone)]
pub struct ShellOptions {
    /// The URL or a function producing it.
    pub url: UrlSource,
    /// The subprotocols or a function producing them.
    pub protocols: ProtocolsSource,
    /// What a ping sends.
    pub ping_message: JsValue,
    /// A message equal to this counts as the pong (otherwise every message does).
    pub pong_message: Option<JsValue>,
    /// A function deciding whether a message event is a pong.
    pub is_pong: Option<Function>,
    /// Keep pongs away from `message` listeners.
    pub hide_pongs: bool,
    /// `shouldReconnect(closeEvent)`.
    pub should_reconnect: Option<Function>,
    /// `json: true`: string messages are parsed once; the event carries `json`.
    pub json: bool,
    /// `routeBy: "a.b"`: the path whose value routes parsed messages to `on(value, cb)`.
    pub route_by: Option<Vec<String>>,
}

/// The client's state, shared by the facades and the socket/timer closures.
pub struct Inner {
    engine: RefCell<Engine<JsValue>>,
    slot: RefCell<Option<SocketSlot>>,
    timer: RefCell<Option<Timeout>>,
    armed: Cell<Option<Millis>>,
    /// Every listener of this client.
    pub listeners: RefCell<Listeners>,
    opts: RefCell<ShellOptions>,
    binary_type: Cell<BinaryType>,
    /// The JS object listeners see as `this` / `event.target`.
    me: RefCell<Rc<JsValue>>,
    target_desc: RefCell<Option<Object>>,
    /// Shared with the sockets' JS `onmessage` handlers: `{ fast, me, proto }`.
    pub(crate) fast: Object,
    discarded: Cell<f64>,
    url: RefCell<String>,
    protocol: RefCell<String>,
    extensions: RefCell<String>,
    page: RefCell<Vec<EventListener>>,
    aborts: RefCell<Vec<(u64, EventListener)>>,
    routes: RefCell<Vec<(String, Vec<JsValue>)>>,
    weak: Weak<Inner>,
}

thread_local! {
    static LIVE: Cell<u32> = const { Cell::new(0) };
}

/// How many clients exist right now (for leak tests and benchmarks).
pub fn live_clients() -> u32 {
    LIVE.with(|l| l.get())
}

impl Drop for Inner {
    fn drop(&mut self) {
        LIVE.with(|l| l.set(l.get().saturating_sub(1)));
        // Fields drop next: the socket slot detaches its handlers and closes the socket,
        // the timer handle cancels the timer, the page listeners detach.
    }
}

/// A handle to one client. Cloning shares it.
#[derive(Clone)]
pub struct Shell(pub(crate) Rc<Inner>);

impl Shell {
    /// Creates the client; [`Shell::start`] connects.
    pub fn new(cfg: Config, opts: ShellOptions) -> Shell {
        let seed = (js_sys::Math::random() * u32::MAX as f64) as u64 ^ ((now() as u64) << 32);
        let initial_url = match &opts.url {
            UrlSource::Fixed(u) => u.clone(),
            UrlSource::Dynamic(_) => String::new(),
        };
        LIVE.with(|l| l.set(l.get() + 1));
        let inner = Rc::new_cyclic(|weak| Inner {
            engine: RefCell::new(Engine::new(cfg, seed)),
            slot: RefCell::new(None),
            timer: RefCell::new(None),
            armed: Cell::new(None),
            listeners: RefCell::new(Listeners::default()),
            opts: RefCell::new(opts),
            binary_type: Cell::new(BinaryType::Blob),
            me: RefCell::new(Rc::new(JsValue::UNDEFINED)),
            target_desc: RefCell::new(None),
            fast: new_fast_state(),
            discarded: Cell::new(0.0),
            url: RefCell::new(initial_url),
            protocol: RefCell::new(String::new()),
            extensions: RefCell::new(String::new()),
            page: RefCell::new(Vec::new()),
            aborts: RefCell::new(Vec::new()),
            routes: RefCell::new(Vec::new()),
            weak: weak.clone(),
        });
        Shell(inner)
    }

    /// Listens to the page (online/offline/visibility) and starts connecting, as
    /// `new WebSocket` does.
    pub fn start(&self) {
        attach_page_listeners(&self.0);
        self.run(|e, now| e.connect(now));
    }

    fn run(&self, f: impl FnOnce(&mut Engine<JsValue>, Millis)) {
        run(&self.0, f)
    }

    /// Sets the object listeners see as `this` and `event.target`.
    pub fn bind_target(&self, me: &JsValue) {
        if **self.0.me.borrow() == *me {
            return;
        }
        *self.0.me.borrow_mut() = Rc::new(me.clone());
        let desc = Object::new();
        let value = Object::new();
        let _ = Reflect::set(&value, &"value".into(), me);
        let _ = Reflect::set(&value, &"configurable".into(), &JsValue::TRUE);
        let _ = Reflect::set(&desc, &"target".into(), &value);
        let _ = Reflect::set(&desc, &"currentTarget".into(), &value);
        let _ = Reflect::set(&desc, &"srcElement".into(), &value);
        *self.0.target_desc.borrow_mut() = Some(desc);
        refresh_fast(&self.0);
    }

    /// Changes the listeners (and keeps the JS fast path in step).
    pub fn edit_listeners<R>(&self, f: impl FnOnce(&mut Listeners) -> R) -> R {
        let r = f(&mut self.0.listeners.borrow_mut());
        refresh_fast(&self.0);
        r
    }

    /// The engine, read-only, for getters.
    pub fn with_engine<R>(&self, f: impl FnOnce(&Engine<JsValue>) -> R) -> R {
        f(&self.0.engine.borrow())
    }

    /// The resolved URL of the current (or last) attempt.
    pub fn url(&self) -> String {
        self.0.url.borrow().clone()
    }

    /// The native `readyState`.
    pub fn ready_state(&self) -> u16 {
        self.0.engine.borrow().ready_state()
    }

    /// The subprotocol the server selected on the last open.
    pub fn protocol(&self) -> String {
        self.0.protocol.borrow().clone()
    }

    /// The extensions the server selected on the last open.
    pub fn extensions(&self) -> String {
        self.0.extensions.borrow().clone()
    }

    /// Bytes queued in the current socket plus bytes discarded after close, as native.
    pub fn buffered_amount(&self) -> f64 {
        let live = self
            .0
            .slot
            .borrow()
            .as_ref()
            .map(|s| s.ws.buffered_amount() as f64)
            .unwrap_or(0.0);
        live + self.0.discarded.get()
    }

    /// The binary type applied to every socket.
    pub fn binary_type(&self) -> BinaryType {
        self.0.binary_type.get()
    }

    /// Sets the binary type now and for every later socket.
    pub fn set_binary_type(&self, t: BinaryType) {
        self.0.binary_type.set(t);
        if let Some(s) = self.0.slot.borrow().as_ref() {
            s.ws.set_binary_type(t);
        }
    }

    /// Sends `data` (already type-checked by the caller), or queues it while not open.
    /// `bytes` is computed lazily: only off the hot path.
    pub fn send(
        &self,
        data: &JsValue,
        queue: bool,
        bytes: impl FnOnce() -> usize,
    ) -> Result<(), JsValue> {
        // Hot path: open, nothing queued → straight to the socket, no copy.
        if self.0.engine.borrow().phase() == Phase::Open {
            if let Some(s) = self.0.slot.borrow().as_ref() {
                return send_raw(&s.ws, data);
            }
        }
        let outcome = self
            .0
            .engine
            .borrow_mut()
            .send(data.clone(), bytes(), queue);
        let res = match outcome {
            Ok(SendOutcome::SendNow(d)) => match self.0.slot.borrow().as_ref() {
                Some(s) => send_raw(&s.ws, &d),
                None => Ok(()),
            },
            Ok(SendOutcome::Discarded(n)) => {
                self.0.discarded.set(self.0.discarded.get() + n as f64);
                Ok(())
            }
            Ok(SendOutcome::Queued) | Ok(SendOutcome::Dropped) => Ok(()),
            Err(e) => Err(errors::to_js(&e)),
        };
        drain(&self.0);
        res
    }

    /// The user's close (already validated).
    pub fn close(&self, code: Option<u16>, reason: &str, clear_queue: bool) {
        let reason = reason.to_owned();
        self.run(move |e, now| {
            if clear_queue {
                e.discard_queue();
            }
            e.close(now, code, &reason)
        });
    }

    /// The user's reconnect / open.
    pub fn reconnect(&self) {
        self.run(|e, now| e.reconnect(now));
    }

    /// Empties the send queue, returning its messages.
    pub fn clear_queue(&self) -> Vec<JsValue> {
        self.0.engine.borrow_mut().clear_queue()
    }

    /// `addEventListener`: with `once` and an optional `AbortSignal` that removes it.
    pub fn add_listener(
        &self,
        ty: &str,
        listener: JsValue,
        capture: bool,
        once: bool,
        signal: Option<web_sys::AbortSignal>,
    ) {
        if signal.as_ref().is_some_and(|s| s.aborted()) {
            return;
        }
        let id = self
            .0
            .listeners
            .borrow_mut()
            .add(ty, listener, capture, once);
        if let (Some(id), Some(signal)) = (id, signal) {
            let w = self.0.weak.clone();
            let l = EventListener::once(&signal, "abort", move |_| {
                if let Some(i) = w.upgrade() {
                    i.listeners.borrow_mut().remove_id(id);
                    refresh_fast(&i);
                    let gone: Vec<_> = {
                        let mut a = i.aborts.borrow_mut();
                        let (gone, keep) = a.drain(..).partition(|(x, _)| *x == id);
                        *a = keep;
                        gone
                    };
                    drop(gone);
                }
            });
            self.0.aborts.borrow_mut().push((id, l));
        }
    }

    /// Dispatches a user-created event to this client's listeners (`dispatchEvent`).
    pub fn dispatch(&self, ev: &web_sys::Event) {
        dispatch_native(&self.0, &ev.type_(), ev);
    }

    /// `on(route, handler)`: parsed messages whose `routeBy` field equals `route`.
    pub fn add_route(&self, route: &str, handler: JsValue) {
        let mut routes = self.0.routes.borrow_mut();
        match routes.iter_mut().find(|(r, _)| r == route) {
            Some((_, hs)) => {
                if !hs.contains(&handler) {
                    hs.push(handler)
                }
            }
            None => routes.push((route.to_owned(), vec![handler])),
        }
    }

    /// `off(route, handler)`.
    pub fn remove_route(&self, route: &str, handler: &JsValue) {
        let mut routes = self.0.routes.borrow_mut();
        for (r, hs) in routes.iter_mut() {
            if r == route {
                hs.retain(|h| h != handler);
            }
        }
        routes.retain(|(_, hs)| !hs.is_empty());
    }
}

fn attach_page_listeners(inner: &Rc<Inner>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut page = inner.page.borrow_mut();
    for (name, online) in [("online", true), ("offline", false)] {
        let w = inner.weak.clone();
        page.push(EventListener::new(&window, name, move |_| {
            if let Some(i) = w.upgrade() {
                run(&i, |e, now| e.set_online(now, online));
            }
        }));
    }
    if !window.navigator().on_line() {
        inner.engine.borrow_mut().set_online(now(), false);
    }
    if let Some(doc) = window.document() {
        let w = inner.weak.clone();
        let d = doc.clone();
        page.push(EventListener::new(&doc, "visibilitychange", move |_| {
            if let Some(i) = w.upgrade() {
                let visible = d.visibility_state() == web_sys::VisibilityState::Visible;
                run(&i, |e, now| e.set_visible(now, visible));
            }
        }));
    }
}

fn run(inner: &Rc<Inner>, f: impl FnOnce(&mut Engine<JsValue>, Millis)) {
    {
        let mut e = inner.engine.borrow_mut();
        f(&mut e, now());
    }
    drain(inner);
}

/// Executes the engine's actions one at a time (a nested call from a listener drains the
/// rest, in order), then arms the one timer.
fn drain(inner: &Rc<Inner>) {
    loop {
        let action = inner.engine.borrow_mut().poll_action();
        match action {
            Some(a) => execute(inner, a),
            None => break,
        }
    }
    rearm(inner);
    refresh_fast(inner);
}

/// Decides whether the sockets' JS `onmessage` may call the one message listener directly
/// (see `makeMessageHandler`): only when Rust has nothing to do per message.
fn refresh_fast(inner: &Inner) {
    let me = inner.me.borrow().clone();
    let _ = Reflect::set(&inner.fast, &"me".into(), &me);
    let plain = {
        let o = inner.opts.borrow();
        o.pong_message.is_none() && o.is_pong.is_none() && !o.json
    };
    let idle = inner.engine.borrow().pong_deadline().is_none();
    let fast = match inner.listeners.borrow().single_fn("message") {
        Some(f) if plain && idle && !me.is_undefined() => f,
        _ => JsValue::NULL,
    };
    let _ = Reflect::set(&inner.fast, &"fast".into(), &fast);
}

fn rearm(inner: &Rc<Inner>) {
    let deadline = inner.engine.borrow().poll_timeout();
    if deadline == inner.armed.get() && (deadline.is_none() || inner.timer.borrow().is_some()) {
        return;
    }
    inner.armed.set(deadline);
    let timer = deadline.map(|d| {
        let delay = d.saturating_sub(now()).min(i32::MAX as u64) as u32;
        let w = inner.weak.clone();
        Timeout::new(delay, move || {
            if let Some(i) = w.upgrade() {
                i.armed.set(None);
                drop(i.timer.borrow_mut().take());
                run(&i, |e, now| e.handle_timeout(now));
            }
        })
    });
    // Replacing the handle cancels the previous timer.
    let old = std::mem::replace(&mut *inner.timer.borrow_mut(), timer);
    drop(old);
}

/// Takes the socket out of its slot if it is `socket` (dropping it detaches its handlers).
fn take_slot(inner: &Inner, socket: SocketId) -> Option<SocketSlot> {
    let mut slot = inner.slot.borrow_mut();
    if slot.as_ref().is_some_and(|s| s.id == socket) {
        slot.take()
    } else {
        None
    }
}

fn execute(inner: &Rc<Inner>, action: Action<JsValue>) {
    match action {
        Action::OpenSocket(id) => start_socket(inner, id),
        Action::CloseSocket {
            socket,
            code,
            reason,
        } => {
            let slot = inner.slot.borrow();
            if let Some(s) = slot.as_ref().filter(|s| s.id == socket) {
                let _ = match code {
                    Some(c) => s.ws.close_with_code_and_reason(c, &reason),
                    None => s.ws.close(),
                };
            }
        }
        Action::DropSocket {
            socket,
            code,
            reason,
        } => {
            let old = take_slot(inner, socket);
            if let Some(s) = old {
                let _ = s.ws.close_with_code_and_reason(code, reason);
                drop(s);
            }
        }
        Action::SendPing => {
            let msg = inner.opts.borrow().ping_message.clone();
            if let Some(s) = inner.slot.borrow().as_ref() {
                let _ = send_raw(&s.ws, &msg);
            }
        }
        Action::Flush(id) => {
            let backlog = inner.engine.borrow_mut().take_backlog(id);
            for m in backlog {
                let slot = inner.slot.borrow();
                match slot.as_ref().filter(|s| s.id == id) {
                    Some(s) => {
                        let _ = send_raw(&s.ws, &m);
                    }
                    None => break,
                }
            }
        }
        Action::Emit(ev) => emit(inner, ev),
    }
}

fn start_socket(inner: &Rc<Inner>, id: SocketId) {
    let opts = inner.opts.borrow().clone();
    let url = match &opts.url {
        UrlSource::Fixed(u) => Ok(JsValue::from_str(u)),
        UrlSource::Dynamic(f) => f.call0(&JsValue::UNDEFINED),
    };
    let protocols = match &opts.protocols {
        ProtocolsSource::Fixed(a) => Ok(a.clone().into()),
        ProtocolsSource::Dynamic(f) => f.call0(&JsValue::UNDEFINED),
    };
    let is_promise = |v: &Result<JsValue, JsValue>| {
        v.as_ref()
            .is_ok_and(|v| v.is_instance_of::<js_sys::Promise>())
    };
    if is_promise(&url) || is_promise(&protocols) {
        let w = inner.weak.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let url = resolve(url).await;
            let protocols = resolve(protocols).await;
            if let Some(i) = w.upgrade() {
                finish_start(&i, id, url, protocols);
            }
        });
    } else {
        finish_start(inner, id, url, protocols);
    }
}

async fn resolve(v: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    let v = v?;
    match v.dyn_into::<js_sys::Promise>() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await,
        Err(v) => Ok(v),
    }
}

fn finish_start(
    inner: &Rc<Inner>,
    id: SocketId,
    url: Result<JsValue, JsValue>,
    protocols: Result<JsValue, JsValue>,
) {
    {
        let e = inner.engine.borrow();
        if !e.is_current(id) || e.phase() != Phase::Connecting {
            return;
        }
    }
    let opened = url
        .and_then(|u| crate::validate::resolve_url(&u).map_err(|e| errors::to_js(&e)))
        .and_then(|u| {
            let p = protocols
                .and_then(|p| crate::validate::protocols(&p).map_err(|e| errors::to_js(&e)))?;
            *inner.url.borrow_mut() = u.clone();
            SocketSlot::open(&inner.weak, id, &u, &p, inner.binary_type.get())
        });
    match opened {
        Ok(slot) => {
            let old = inner.slot.borrow_mut().replace(slot);
            drop(old);
        }
        Err(err) => {
            // The attempt failed before a socket existed: report it and let the engine's
            // reconnect policy decide, as for a connection that failed.
            listeners::report(&err);
            run(inner, |e, now| {
                e.handle_error(now, id);
                e.handle_close(now, id, crate::engine::CLOSE_ABNORMAL, "", false, None);
            });
        }
    }
}

pub(crate) fn on_open(inner: &Rc<Inner>, id: SocketId, _ev: web_sys::Event) {
    if let Some(s) = inner.slot.borrow().as_ref().filter(|s| s.id == id) {
        *inner.protocol.borrow_mut() = s.ws.protocol();
        *inner.extensions.borrow_mut() = s.ws.extensions();
    }
    run(inner, |e, now| e.handle_open(now, id));
}

pub(crate) fn on_message(inner: &Rc<Inner>, id: SocketId, ev: MessageEvent) {
    // Hot path (no pong matcher, no JSON mode): every message counts as a pong; the clock
    // is read only when a pong is awaited; the browser's event goes to the listeners.
    let plain = {
        let o = inner.opts.borrow();
        o.pong_message.is_none() && o.is_pong.is_none() && !o.json
    };
    if plain {
        let was_awaiting = {
            let mut e = inner.engine.borrow_mut();
            let awaiting = e.pong_deadline().is_some();
            let t = if awaiting { now() } else { 0 };
            if !e.handle_message(t, id, true) {
                return;
            }
            awaiting
        };
        if was_awaiting {
            // The pong arrived: the next deadline is the next ping, and the JS fast path
            // may take over again.
            rearm(inner);
            refresh_fast(inner);
        }
        dispatch_message(inner, &ev);
        return;
    }
    let (pong_message, is_pong_fn, hide, json, route_by) = {
        let o = inner.opts.borrow();
        let route = o.route_by.clone();
        if o.pong_message.is_none() && o.is_pong.is_none() {
            (None, None, false, o.json, route)
        } else {
            (
                o.pong_message.clone(),
                o.is_pong.clone(),
                o.hide_pongs,
                o.json,
                route,
            )
        }
    };
    let is_pong = match (&pong_message, &is_pong_fn) {
        (_, Some(f)) => match f.call1(&JsValue::UNDEFINED, &ev) {
            Ok(v) => v.is_truthy(),
            Err(e) => {
                listeners::report(&e);
                false
            }
        },
        (Some(p), None) => ev.data() == *p,
        (None, None) => true,
    };
    let (deliver, answered) = {
        let mut e = inner.engine.borrow_mut();
        let awaiting = e.pong_deadline().is_some();
        let deliver = e.handle_message(now(), id, is_pong);
        (deliver, awaiting && e.pong_deadline().is_none())
    };
    if answered {
        rearm(inner);
        refresh_fast(inner);
    }
    if !deliver || (hide && is_pong) {
        return;
    }
    if !json {
        dispatch_message(inner, &ev);
        return;
    }
    // JSON mode: parse once (JS's own parser, no copy through Rust); a message that is not
    // JSON still arrives, with `json` undefined, and raises `parse-error`.
    let data = ev.data();
    let mut parse_error = None;
    let parsed = if data.is_string() {
        match json_parse(&data) {
            Ok(v) => v,
            Err(e) => {
                parse_error = Some(e);
                JsValue::UNDEFINED
            }
        }
    } else {
        JsValue::UNDEFINED
    };
    let _ = Reflect::set(&ev, &JsValue::from_str("json"), &parsed);
    dispatch_message(inner, &ev);
    if let Some(error) = parse_error {
        let e = custom("parse-error", &[("data", data), ("error", error)]);
        dispatch_native(inner, "parse-error", &e);
    } else if let Some(path) = route_by {
        route(inner, &path, &parsed, &ev);
    }
}

/// Calls the `on(route, …)` handlers for the value at `path` in `parsed`.
fn route(inner: &Rc<Inner>, path: &[String], parsed: &JsValue, ev: &MessageEvent) {
    let mut v = parsed.clone();
    for seg in path {
        if !v.is_object() {
            return;
        }
        v = Reflect::get(&v, &JsValue::from_str(seg)).unwrap_or(JsValue::UNDEFINED);
    }
    let key = if let Some(s) = v.as_string() {
        s
    } else if let Some(n) = v.as_f64() {
        crate::validate::number_key(n)
    } else if let Some(b) = v.as_bool() {
        b.to_string()
    } else {
        return;
    };
    let handlers: Vec<JsValue> = inner
        .routes
        .borrow()
        .iter()
        .find(|(r, _)| *r == key)
        .map(|(_, hs)| hs.clone())
        .unwrap_or_default();
    let me = inner.me.borrow().clone();
    for h in handlers {
        if let Some(f) = h.dyn_ref::<Function>() {
            if let Err(e) = f.call2(&me, parsed, ev) {
                listeners::report(&e);
            }
        }
    }
}

pub(crate) fn on_error(inner: &Rc<Inner>, id: SocketId, _ev: web_sys::Event) {
    run(inner, |e, now| e.handle_error(now, id));
}

pub(crate) fn on_close(inner: &Rc<Inner>, id: SocketId, ev: CloseEvent) {
    if !inner.engine.borrow().is_current(id) {
        return;
    }
    // The socket is done: detach it now.
    let old = take_slot(inner, id);
    drop(old);
    let verdict = {
        let f = inner.opts.borrow().should_reconnect.clone();
        f.map(|f| {
            set_target(inner, &ev);
            let me = inner.me.borrow().clone();
            match f.call1(&me, &ev) {
                Ok(v) => v.is_truthy(),
                Err(e) => {
                    listeners::report(&e);
                    false
                }
            }
        })
    };
    let (code, reason, clean) = (ev.code(), ev.reason(), ev.was_clean());
    run(inner, |e, now| {
        e.handle_close(now, id, code, &reason, clean, verdict)
    });
}

fn set_target(inner: &Inner, ev: &JsValue) {
    if let Some(desc) = inner.target_desc.borrow().as_ref() {
        let _: Object = Object::define_properties(ev.unchecked_ref(), desc);
    }
}

fn dispatch_native(inner: &Rc<Inner>, ty: &str, ev: &web_sys::Event) {
    if !inner.listeners.borrow().has(ty) {
        return;
    }
    set_target(inner, ev);
    let me = inner.me.borrow().clone();
    listeners::dispatch(&inner.listeners, ty, &me, ev);
}

/// The hot path: the browser's own `MessageEvent`, re-parented so that `target` is the
/// client, to the `message` listeners.
fn dispatch_message(inner: &Rc<Inner>, ev: &MessageEvent) {
    if !inner.listeners.borrow().has("message") {
        return;
    }
    let me = inner.me.borrow().clone();
    if !me.is_undefined() {
        retarget_message(&inner.fast, ev);
    }
    listeners::dispatch(&inner.listeners, "message", &me, ev);
}

fn custom(ty: &str, detail: &[(&str, JsValue)]) -> web_sys::Event {
    let d = Object::new();
    for (k, v) in detail {
        let _ = Reflect::set(&d, &JsValue::from_str(k), v);
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&d);
    let ev = match web_sys::CustomEvent::new_with_event_init_dict(ty, &init) {
        Ok(ev) => ev,
        Err(_) => {
            return web_sys::Event::new(ty).unwrap_or_else(|_| JsValue::NULL.unchecked_into())
        }
    };
    // The detail's fields also sit on the event itself (`ev.attempt`, `ev.delay`, …).
    for (k, v) in detail {
        let _ = Reflect::set(&ev, &JsValue::from_str(k), v);
    }
    ev.unchecked_into()
}

fn emit(inner: &Rc<Inner>, ev: Event<JsValue>) {
    let (ty, event): (&str, Option<web_sys::Event>) = match ev {
        Event::StateChange { from, to } => {
            let ty = "statechange";
            if inner.listeners.borrow().has(ty) {
                let e = custom(
                    ty,
                    &[
                        ("from", JsValue::from_str(from.name())),
                        ("to", JsValue::from_str(to.name())),
                    ],
                );
                dispatch_native(inner, ty, &e);
            }
            if to == Phase::Closed {
                // Closed for good: stop keeping the JS object alive (it may be collected
                // now, as a closed native socket may). `reconnect()` binds it again.
                *inner.me.borrow_mut() = Rc::new(JsValue::UNDEFINED);
                *inner.target_desc.borrow_mut() = None;
                refresh_fast(inner);
            }
            return;
        }
        Event::Open => ("open", web_sys::Event::new("open").ok()),
        Event::Error => ("error", web_sys::Event::new("error").ok()),
        Event::Close {
            code,
            reason,
            was_clean,
        } => {
            let init = web_sys::CloseEventInit::new();
            init.set_code(code);
            init.set_reason(&reason);
            init.set_was_clean(was_clean);
            (
                "close",
                CloseEvent::new_with_event_init_dict("close", &init)
                    .ok()
                    .map(|e| e.unchecked_into()),
            )
        }
        Event::Reconnect { attempt } => (
            "reconnect",
            Some(custom("reconnect", &[("attempt", attempt.into())])),
        ),
        Event::Reconnecting { attempt, delay } => (
            "reconnecting",
            Some(custom(
                "reconnecting",
                &[
                    ("attempt", attempt.into()),
                    ("delay", (delay as f64).into()),
                ],
            )),
        ),
        Event::HeartbeatTimeout => ("heartbeat-timeout", Some(custom("heartbeat-timeout", &[]))),
        Event::ReconnectFailed { attempts } => (
            "reconnect-failed",
            Some(custom("reconnect-failed", &[("attempts", attempts.into())])),
        ),
        Event::QueueOverflow { data } => (
            "queue-overflow",
            Some(custom("queue-overflow", &[("data", data)])),
        ),
    };
    if let Some(e) = event {
        dispatch_native(inner, ty, &e);
    }
}

/// Options for a client that never connects (used to probe the JS class at start-up).
pub fn inert_options() -> ShellOptions {
    ShellOptions {
        url: UrlSource::Fixed(String::new()),
        protocols: ProtocolsSource::Fixed(Array::new()),
        ping_message: JsValue::UNDEFINED,
        pong_message: None,
        is_pong: None,
        hide_pongs: false,
        should_reconnect: None,
        json: false,
        route_by: None,
    }
}
