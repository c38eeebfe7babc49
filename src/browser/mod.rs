//! The browser shell: owns the `web_sys::WebSocket`, its closures, the one timer and the
//! page listeners; translates browser events into engine inputs and performs the engine's
//! I/O. It decides nothing itself.
//!
//! The event flow, as quinn-proto separates `poll_transmit` from `poll`: after every input
//! the shell applies *all* of the engine's I/O (`poll_io`), re-arms the timer, and only
//! then delivers the application events (`poll_event`), one at a time. Listeners therefore
//! always see a finished transition, and a listener that calls back into the client only
//! adds I/O (applied at once) and events (delivered by the loop already running).
//!
//! No user code runs while a `RefCell` is borrowed, by construction: the mutable state
//! (`State`: engine, socket slot, timer, counters) is reachable only through
//! `Inner::with`, and nothing in it can call user code — the engine is generic over its
//! payload and cannot call JS, the socket and timer are native objects. Everything that
//! *is* user code (listeners, `shouldReconnect`, `isPong`, `url`/`protocols` functions, the
//! getters of user data such as `Blob.size`) lives outside `State` (listeners in the JS
//! module `events.js`, functions in the immutable [`ShellOptions`]) and is called only
//! between borrows.

pub(crate) mod events;
pub(crate) mod link;
pub mod registry;
mod socket;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent};

use crate::engine::{config, Config, Engine, Event, Io, Millis, Phase, SendOutcome, SocketId};
use crate::errors;
use crate::shared::{Action, Coordinator, Role, SharedConfig};
use link::Link;
use socket::SocketSlot;

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

    #[wasm_bindgen(js_name = reportError, catch)]
    fn report_error(e: &JsValue) -> Result<(), JsValue>;
}

/// Reports an exception thrown by user code the way the platform does (`window.onerror`),
/// without unwinding through the client.
pub fn report(e: &JsValue) {
    if report_error(e).is_err() {
        web_sys::console::error_1(e);
    }
}

/// Sends a value the socket accepts (string, ArrayBuffer, view, Blob) without copying.
fn send_raw(ws: &web_sys::WebSocket, data: &JsValue) -> Result<(), JsValue> {
    ws.unchecked_ref::<AnySocket>().send_any(data)
}

/// The one guard for what reaches the socket's `send` (every facade goes through
/// [`Shell::send`]); the JS class converts other values as natively before calling it.
fn check_sendable(data: &JsValue) -> Result<(), JsValue> {
    if data.is_string()
        || data.is_instance_of::<js_sys::ArrayBuffer>()
        || js_sys::ArrayBuffer::is_view(data)
        || data.is_instance_of::<web_sys::Blob>()
    {
        Ok(())
    } else {
        Err(errors::type_error(
            "Failed to execute 'send': the data must be a string, an ArrayBuffer, an \
             ArrayBufferView (typed array or DataView) or a Blob",
        ))
    }
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

/// Shell-level options (what the engine does not need to know). Immutable once the client
/// exists: the user functions in it are called without any borrow.
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
    /// The `WebSocket` constructor for every attempt (`None`: the global `WebSocket`).
    pub socket_ctor: Option<Function>,
    /// `shared`: the name of the channel and lock shared by every tab's client of the same
    /// key (`None`: this client owns its socket).
    pub shared: Option<String>,
}

impl ShellOptions {
    /// Whether a pong matcher decides which message is the pong.
    fn has_matcher(&self) -> bool {
        self.pong_message.is_some() || self.is_pong.is_some()
    }
}

/// The client's mutable state. Nothing here can run user code (see the module doc).
pub(crate) struct State {
    pub(crate) engine: Engine<JsValue>,
    /// A shared client's coordinator (`None`: this client owns its socket).
    coord: Option<Coordinator<JsValue>>,
    /// A shared client's events for the local client (the coordinator's), in order.
    local: VecDeque<Local>,
    slot: Option<SocketSlot>,
    timer: Option<Timeout>,
    armed: Option<Millis>,
    discarded: f64,
    /// A shared leader whose user closed its client: what its client had queued, held
    /// out of the engine (whose socket now serves the other tabs) until it reopens.
    held: Option<crate::engine::Queue<JsValue>>,
    url: String,
    protocol: String,
    extensions: String,
}

/// The client: its state, its JS side (listeners, `this`), its options.
pub struct Inner {
    state: RefCell<State>,
    /// The JS state object of `events.js` (listeners, the client's JS object, routes).
    pub(crate) js: Object,
    opts: ShellOptions,
    binary_type: Cell<BinaryType>,
    /// True while this client's event loop is delivering (nested drives only do I/O).
    delivering: Cell<bool>,
    /// The round-trip time of the last answered ping (this tab's, or the leader's for a
    /// shared client that follows), in ms.
    rtt: Cell<Option<u64>>,
    /// The socket's own event for the input being handled (delivered as the browser made
    /// it, `isTrusted` and all, when the engine reports that event).
    native: Cell<Option<web_sys::Event>>,
    /// While the constructor runs: the first attempt's failure, thrown to the caller.
    starting: Cell<bool>,
    start_error: Cell<Option<JsValue>>,
    page: RefCell<Option<Page>>,
    /// A shared client's channel and lock (JS glue only: no user code behind it).
    link: RefCell<Option<Link>>,
    rust_listeners: RefCell<Vec<RustListener>>,
    next_listener: Cell<u64>,
    /// The attempt whose `url`/`protocols` functions are being resolved.
    sources: RefCell<Option<Sources>>,
    weak: Weak<Inner>,
}

/// Something the coordinator delivers to the local client.
enum Local {
    Event(Event<JsValue>),
    Message(JsValue),
}

struct RustListener {
    id: u64,
    entries: Vec<JsValue>,
    _closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl Inner {
    /// The only access to the mutable state: `f` gets it for the length of the call and
    /// must return owned data. It cannot reach user code (nothing in [`State`] is user
    /// code), so no listener or callback ever runs while the borrow is held.
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }
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
        // Detach the Rust listeners from the JS lists before their closures drop.
        for l in self.rust_listeners.get_mut().drain(..) {
            for entry in &l.entries {
                events::remove_rust_listener(&self.js, entry);
            }
        }
        // Fields drop next: the socket slot detaches its handlers and closes the socket,
        // the timer handle cancels the timer, the page listeners detach.
    }
}

/// Identifies a listener added with [`Shell::add_rust_listener`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenerId(pub(crate) u64);

/// A handle to one client. Cloning shares it.
#[derive(Clone)]
pub struct Shell(pub(crate) Rc<Inner>);

impl Shell {
    /// Creates the client; [`Shell::start`] connects.
    pub fn new(cfg: Config, opts: ShellOptions) -> Shell {
        let seed = (js_sys::Math::random() * u32::MAX as f64) as u64 ^ (now() << 32);
        let initial_url = match &opts.url {
            UrlSource::Fixed(u) => u.clone(),
            UrlSource::Dynamic(_) => String::new(),
        };
        let route: JsValue = match &opts.route_by {
            Some(p) => p
                .iter()
                .map(|s| JsValue::from_str(s))
                .collect::<Array>()
                .into(),
            None => JsValue::NULL,
        };
        let js = events::new_state(opts.json, &route);
        LIVE.with(|l| l.set(l.get() + 1));
        let coord = opts.shared.as_ref().map(|_| {
            let id = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
            Coordinator::new(SharedConfig::default(), id)
        });
        if coord.is_some() {
            events::set_to_blob(&js, true);
        }
        let inner = Rc::new_cyclic(|weak| Inner {
            state: RefCell::new(State {
                engine: Engine::new(cfg, seed),
                coord,
                local: VecDeque::new(),
                slot: None,
                timer: None,
                armed: None,
                discarded: 0.0,
                held: None,
                url: initial_url,
                protocol: String::new(),
                extensions: String::new(),
            }),
            js,
            opts,
            binary_type: Cell::new(BinaryType::Blob),
            delivering: Cell::new(false),
            rtt: Cell::new(None),
            native: Cell::new(None),
            starting: Cell::new(false),
            start_error: Cell::new(None),
            page: RefCell::new(None),
            link: RefCell::new(None),
            rust_listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            sources: RefCell::new(None),
            weak: weak.clone(),
        });
        if let Some(name) = &inner.opts.shared {
            let w = inner.weak.clone();
            let link = Link::open(name, move |kind, v| {
                let Some(i) = w.upgrade() else { return };
                match kind {
                    0 => {
                        // A client closed by its user hears nothing until it reopens: the
                        // channel's traffic is not even decoded.
                        let detached = i
                            .with(|s| s.coord.as_ref().is_some_and(|c| c.role() == Role::Detached));
                        if detached {
                            return;
                        }
                        if let Some(m) = link::decode(v) {
                            shared_run(&i, |c, now| c.handle_msg(now, m));
                        }
                    }
                    1 => shared_run(&i, |c, now| c.handle_lock_acquired(now)),
                    _ => shared_run(&i, |c, now| c.handle_lock_lost(now)),
                }
            });
            *inner.link.borrow_mut() = Some(link);
        }
        Shell(inner)
    }

    /// Listens to the page (online/offline/visibility) and starts connecting, as
    /// `new WebSocket` does. If the first socket cannot even be created (the browser's
    /// constructor throws, e.g. a mixed-content `SecurityError`), the error is returned
    /// for the constructor to throw, as natively, and the client stays closed.
    pub fn start(&self) -> Result<(), JsValue> {
        attach_page_listeners(&self.0);
        if self.is_shared() {
            // The socket is the leader's: this client asks for the lock and follows.
            shared_run(&self.0, |c, now| c.start(now));
            return Ok(());
        }
        self.0.starting.set(true);
        run(&self.0, |e, now| e.connect(now));
        self.0.starting.set(false);
        match self.0.start_error.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// The JS state object (listeners etc.) of `events.js`.
    pub fn js_state(&self) -> &Object {
        &self.0.js
    }

    /// Reads the engine (for getters). `f` gets the engine only and returns owned data.
    pub fn with_engine<R>(&self, f: impl FnOnce(&Engine<JsValue>) -> R) -> R {
        self.0.with(|s| f(&s.engine))
    }

    /// Whether this is a shared client (another tab may own the socket).
    pub fn is_shared(&self) -> bool {
        self.0.opts.shared.is_some()
    }

    /// The tab that owns the socket, while its user's client is closed (or not yet shown
    /// the socket again): what that client sees (the coordinator's view). A follower's
    /// engine follows the view itself, so its getters read its engine as a plain client's.
    fn mirror<R>(&self, f: impl FnOnce(&Coordinator<JsValue>) -> R) -> Option<R> {
        self.0
            .with(|s| s.coord.as_ref().filter(|c| c.mirrors()).map(f))
    }

    /// A shared client that does not see its own socket: the leader's socket as last seen
    /// (its URL, subprotocol, extensions).
    fn leader_snapshot<R>(&self, f: impl FnOnce(&Coordinator<JsValue>) -> R) -> Option<R> {
        self.0.with(|s| {
            s.coord
                .as_ref()
                .filter(|c| c.follows_other() || c.mirrors())
                .map(f)
        })
    }

    /// A shared client: whether this tab owns the socket (`None`: not shared).
    pub fn shared_role(&self) -> Option<bool> {
        self.0.with(|s| s.coord.as_ref().map(|c| c.owns_socket()))
    }

    /// The client's phase (`state`): the engine's, or the leader's as mirrored.
    pub fn phase(&self) -> Phase {
        self.mirror(|c| c.view())
            .unwrap_or_else(|| self.0.with(|s| s.engine.phase()))
    }

    /// The round-trip time of the last answered ping, in ms (kept across reconnects).
    pub fn rtt(&self) -> Option<u64> {
        self.0.rtt.get()
    }

    /// `lockReconnect`: a reconnect is scheduled or a socket is connecting (the leader's,
    /// for a shared client that follows another tab).
    pub fn lock_reconnect(&self) -> bool {
        matches!(self.phase(), Phase::Waiting | Phase::Connecting)
    }

    /// `userClose`: the user closed this client and has not reopened it.
    pub fn user_close(&self) -> bool {
        self.mirror(|c| c.role() == Role::Detached || c.local_closed())
            .unwrap_or_else(|| self.0.with(|s| s.engine.user_close()))
    }

    /// The seed's online flag: open, and no pong overdue (on the leader's socket for a
    /// shared client: the leader's heartbeat drops it when one is).
    pub fn responsive(&self) -> bool {
        self.phase() == Phase::Open && self.0.with(|s| s.engine.pong_deadline().is_none())
    }

    /// The resolved URL of the current (or last) attempt.
    pub fn url(&self) -> String {
        let own = self.0.with(|s| s.url.clone());
        match self.leader_snapshot(|c| c.snapshot().url.clone()) {
            Some(u) if !u.is_empty() => u,
            _ => own,
        }
    }

    /// The native `readyState`: the engine's, except after the socket's `error`, where
    /// the live socket says what this browser's own socket says.
    pub fn ready_state(&self) -> u16 {
        if let Some(v) = self.mirror(|c| c.view()) {
            return v.ready_state();
        }
        let r = self.0.with(|s| s.engine.ready_state());
        if r != 3 {
            return r;
        }
        // After the socket's `error`, engines differ: Chromium's socket is CLOSED at once,
        // WebKit's stays CONNECTING until its `close`. Read it from the socket itself.
        socket_call(
            &self.0,
            |s| {
                let p = s.engine.phase();
                if matches!(p, Phase::Connecting | Phase::Open | Phase::Closing) {
                    s.slot.as_ref()
                } else {
                    None
                }
            },
            |ws| ws.ready_state(),
        )
        .unwrap_or(r)
    }

    /// The subprotocol the server selected on the last open.
    pub fn protocol(&self) -> String {
        self.leader_snapshot(|c| c.snapshot().protocol.clone())
            .unwrap_or_else(|| self.0.with(|s| s.protocol.clone()))
    }

    /// The extensions the server selected on the last open.
    pub fn extensions(&self) -> String {
        self.leader_snapshot(|c| c.snapshot().extensions.clone())
            .unwrap_or_else(|| self.0.with(|s| s.extensions.clone()))
    }

    /// Bytes queued in the current socket plus bytes discarded after close, as native.
    pub fn buffered_amount(&self) -> f64 {
        let live = socket_call(&self.0, |s| s.slot.as_ref(), |ws| ws.buffered_amount())
            .map_or(0.0, f64::from);
        live + self.0.with(|s| s.discarded)
    }

    /// The binary type applied to every socket.
    pub fn binary_type(&self) -> BinaryType {
        self.0.binary_type.get()
    }

    /// Sets the binary type now and for every later socket.
    pub fn set_binary_type(&self, t: BinaryType) {
        self.0.binary_type.set(t);
        if self.is_shared() {
            // The shared socket always receives ArrayBuffers (they cross to other tabs and
            // become Blobs synchronously where a client wants them).
            events::set_to_blob(&self.0.js, t == BinaryType::Blob);
            return;
        }
        socket_call(&self.0, |s| s.slot.as_ref(), |ws| ws.set_binary_type(t));
    }

    /// Sends `data` (a string, ArrayBuffer, view or Blob; anything else is a `TypeError`,
    /// since the native `send` would convert it by calling user code, and it runs under the
    /// borrow), or queues it while not open. `bytes` (the size, read through JS getters of
    /// the user's data) is called only off the hot path, and before any borrow.
    pub fn send(
        &self,
        data: &JsValue,
        queue: bool,
        bytes: impl FnOnce() -> usize,
    ) -> Result<(), JsValue> {
        check_sendable(data)?;
        // (`is_shared` first: a client alone with its socket pays no borrow for sharing on
        // its send path.) A shared client whose socket is another tab's decides its send as
        // a plain client does, by what it sees and with its own engine's queue and bounds;
        // only where a message goes differs (its own socket, or the leader's).
        let (view, remote) = if self.is_shared() {
            self.0.with(|s| {
                s.coord.as_ref().map_or((None, false), |c| {
                    (c.mirrors().then(|| c.view()), c.follows_other())
                })
            })
        } else {
            (None, false)
        };
        if view.is_none() && !remote {
            // Hot path: open → straight to the socket, no copy.
            let open = socket_call(&self.0, open_slot, |ws| send_raw(ws, data));
            if let Some(r) = open {
                return r;
            }
        }
        let n = bytes();
        let outcome = self.0.with(|s| match view {
            Some(v) => s.engine.send_in(v, data.clone(), n, queue),
            None => s.engine.send(data.clone(), n, queue),
        });
        let res = match outcome {
            Ok(SendOutcome::SendNow(d)) if remote => {
                // To the leader, unconfirmed until written.
                self.0.with(|s| {
                    if let Some(c) = s.coord.as_mut() {
                        c.send(d);
                    }
                });
                Ok(())
            }
            Ok(SendOutcome::SendNow(d)) => {
                socket_call(&self.0, |s| s.slot.as_ref(), |ws| send_raw(ws, &d)).unwrap_or(Ok(()))
            }
            Ok(SendOutcome::Discarded(n)) => {
                // As the engine's own socket counts it (WebKit adds the frame's header).
                let counted = events::discarded_bytes(n as f64);
                self.0.with(|s| s.discarded += counted);
                Ok(())
            }
            Ok(SendOutcome::Queued) | Ok(SendOutcome::Dropped) => Ok(()),
            Err(e) => Err(errors::to_js(&e)),
        };
        drive(&self.0);
        res
    }

    /// The user's close (already validated).
    pub fn close(&self, code: Option<u16>, reason: &str, clear_queue: bool) {
        let own = self
            .0
            .with(|s| s.coord.as_mut().map(|c| c.close(now(), code, reason)));
        if own == Some(false) {
            // A follower detached, or a leader whose socket stays for the other tabs (its
            // close events are queued; its socket's messages no longer reach it).
            if clear_queue {
                self.0.with(|s| s.engine.discard_queue());
            }
            self.0.with(|s| {
                if s.coord.as_ref().is_some_and(|c| c.follows_other()) {
                    s.engine.set_user_close(true);
                }
            });
            if self
                .0
                .with(|s| s.coord.as_ref().is_some_and(|c| c.local_closed()))
            {
                events::set_mute(&self.0.js, true);
                // Its queue is its own, kept for its reopening as a plain client's is; the
                // engine's socket goes on for the others without it.
                self.0.with(|s| s.held = Some(s.engine.take_queue()));
            }
            drive(&self.0);
            return;
        }
        if own == Some(true) {
            // Leading: the socket closes; the lock goes to the next tab after it.
            events::set_relay(&self.0.js, &JsValue::NULL);
        }
        run(&self.0, move |e, now| {
            if clear_queue {
                e.discard_queue();
            }
            e.close(now, code, reason)
        });
    }

    /// The user's reconnect / open.
    pub fn reconnect(&self) {
        let role = self
            .0
            .with(|s| s.coord.as_ref().map(|c| (c.role(), c.local_closed())));
        match role {
            // Closed by the user: join the others again (a leader that kept the socket for
            // them sees it again).
            Some((Role::Detached, _)) | Some((Role::Leader, true)) => {
                events::set_mute(&self.0.js, false);
                self.0.with(|s| {
                    if s.coord.as_ref().is_some_and(|c| c.follows_other()) {
                        s.engine.set_user_close(false);
                    }
                });
                self.0.with(|s| {
                    if let Some(mut held) = s.held.take() {
                        held.append(s.engine.clear_queue());
                        s.engine.set_queue(held);
                    }
                });
                shared_run(&self.0, |c, now| c.start(now))
            }
            // The leader reconnects the one socket, as a plain client would.
            Some((Role::Follower, _)) => shared_run(&self.0, |c, _| c.request_reconnect()),
            Some((Role::Leaving, _)) => {}
            Some((Role::Leader, false)) | None => run(&self.0, |e, now| e.reconnect(now)),
        }
    }

    /// Empties the send queue, returning its messages.
    pub fn clear_queue(&self) -> Vec<JsValue> {
        self.0.with(|s| s.engine.clear_queue())
    }

    /// Adds a Rust listener for `ty` to the client's listener list (after the JS ones
    /// already there, in registration order).
    pub fn add_rust_listener(
        &self,
        ty: &str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> ListenerId {
        self.add_rust_listener_types(&[ty], f)
    }

    /// Adds one Rust listener for several event types (one closure, one entry per type).
    pub fn add_rust_listener_types(
        &self,
        types: &[&str],
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> ListenerId {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let entries = types
            .iter()
            .map(|ty| events::add_rust_listener(&self.0.js, ty, closure.as_ref()))
            .collect();
        let id = self.0.next_listener.get() + 1;
        self.0.next_listener.set(id);
        self.0.rust_listeners.borrow_mut().push(RustListener {
            id,
            entries,
            _closure: closure,
        });
        ListenerId(id)
    }

    /// Removes a Rust listener (its closure is dropped once detached).
    pub fn remove_rust_listener(&self, id: ListenerId) {
        let gone: Vec<RustListener> = {
            let mut ls = self.0.rust_listeners.borrow_mut();
            let (gone, keep) = ls.drain(..).partition(|l| l.id == id.0);
            *ls = keep;
            gone
        };
        for l in gone {
            for entry in &l.entries {
                events::remove_rust_listener(&self.0.js, entry);
            }
        }
    }
}

/// The page's listeners (`events.js` `watchPage`) as one RAII value: dropping it detaches
/// them before the closure drops.
struct Page {
    detach: Function,
    _cb: Closure<dyn FnMut(u8, JsValue)>,
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.detach.call0(&JsValue::UNDEFINED);
    }
}

/// Listens to the page: online/offline, visibility, Page Lifecycle's `resume` (a frozen
/// page ran nothing, neither timers nor the socket's events; the engine gives a pending
/// pong its full time) and the back/forward cache. The page's state at start is applied
/// first (the engine has not connected yet: nothing to drive).
fn attach_page_listeners(inner: &Rc<Inner>) {
    let start = events::page_state();
    inner.with(|s| {
        if start & 1 != 0 {
            s.engine.set_online(now(), false);
        }
        if start & 2 != 0 {
            s.engine.set_visible(now(), false);
        }
    });
    let w = inner.weak.clone();
    let cb = Closure::new(move |kind: u8, _: JsValue| {
        if let Some(i) = w.upgrade() {
            if kind == 7 {
                // The page is going away for good: a shared client leaves the others now
                // (a leader's lock goes with the page) instead of being missed for 10 s.
                shared_run(&i, |c, now| c.unload(now));
                return;
            }
            // A follower's engine only notes the page: the leader's acts on it.
            let following = i.with(|s| {
                let following = s.coord.as_ref().is_some_and(|c| c.follows_other());
                if following && kind <= 3 {
                    let (online, visible) = (s.engine.online(), s.engine.visible());
                    match kind {
                        0 | 1 => s.engine.note_page(kind == 0, visible),
                        _ => s.engine.note_page(online, kind == 2),
                    }
                }
                following
            });
            if following {
                return;
            }
            run(&i, |e, now| match kind {
                0 | 1 => e.set_online(now, kind == 0),
                2 | 3 => e.set_visible(now, kind == 2),
                4 => e.resume(now),
                5 => e.enter_cache(now),
                _ => e.restore(now),
            });
        }
    });
    let detach = events::watch_page(cb.as_ref());
    *inner.page.borrow_mut() = Some(Page { detach, _cb: cb });
}

/// Feeds one input to the engine, then drives its outputs.
fn run(inner: &Rc<Inner>, f: impl FnOnce(&mut Engine<JsValue>, Millis)) {
    inner.with(|s| f(&mut s.engine, now()));
    drive(inner);
}

/// Applies every I/O item, re-arms the timer, then (unless a loop further up the stack
/// is already doing it) delivers the events one by one, with no borrow held.
fn drive(inner: &Rc<Inner>) {
    drive_io(inner);
    if inner.delivering.replace(true) {
        return;
    }
    loop {
        // The coordinator's events for the local client first (a leader change), then the
        // engine's.
        if let Some(l) = inner.with(|s| s.local.pop_front()) {
            match l {
                Local::Event(ev) => deliver(inner, ev),
                Local::Message(d) => {
                    let url = inner.with(|s| {
                        s.coord
                            .as_ref()
                            .map(|c| c.snapshot().url.clone())
                            .unwrap_or_default()
                    });
                    events::deliver_relayed(&inner.js, &d, &url);
                }
            }
            continue;
        }
        let Some(ev) = inner.with(|s| s.engine.poll_event()) else {
            break;
        };
        let local = inner.with(|s| s.coord.as_mut().map(|c| c.local_engine_event(ev.clone())));
        match local {
            None => deliver(inner, ev),
            Some(local) => {
                // A leader: its client hears the event, then the other tabs do.
                if let Some(l) = local {
                    deliver(inner, l);
                }
                inner.with(|s| {
                    if let Some(c) = s.coord.as_mut() {
                        c.handle_engine_event(now(), &ev);
                    }
                });
                drive_io(inner);
            }
        }
        // A listener may have caused more I/O through a nested call: already applied.
    }
    inner.delivering.set(false);
    inner.native.take();
}

/// Applies every I/O item of the engine and the coordinator, then re-arms the timer.
fn drive_io(inner: &Rc<Inner>) {
    loop {
        let mut busy = false;
        while let Some(io) = inner.with(|s| s.engine.poll_io()) {
            execute(inner, io);
            busy = true;
        }
        while let Some(a) = inner.with(|s| s.coord.as_mut().and_then(|c| c.poll())) {
            shared_action(inner, a);
            busy = true;
        }
        if !busy {
            break;
        }
    }
    rearm(inner);
    refresh_slow(inner);
}

/// Feeds one input to the coordinator of a shared client, then drives the outputs.
fn shared_run(inner: &Rc<Inner>, f: impl FnOnce(&mut Coordinator<JsValue>, Millis)) {
    inner.with(|s| {
        if let Some(c) = s.coord.as_mut() {
            f(c, now());
        }
    });
    drive(inner);
}

fn with_link(inner: &Inner, f: impl FnOnce(&Link)) {
    if let Some(l) = inner.link.borrow().as_ref() {
        f(l);
    }
}

/// Performs one of the coordinator's actions (its events are queued for delivery).
fn shared_action(inner: &Rc<Inner>, a: Action<JsValue>) {
    match a {
        Action::Post(m) => with_link(inner, |l| l.post(&m)),
        Action::RequestLock { steal } => with_link(inner, |l| l.request_lock(steal)),
        Action::ReleaseLock => {
            with_link(inner, |l| l.release_lock());
            if inner.with(|s| s.coord.as_ref().is_some_and(|c| c.view() == Phase::Closed)) {
                // The socket this tab kept for the others is gone: a closed client may be
                // collected now.
                events::set_alive(&inner.js, false);
            }
        }
        Action::CloseSocket => inner.with(|s| s.engine.close(now(), Some(1000), "")),
        Action::Reconnect => inner.with(|s| s.engine.reconnect(now())),
        Action::Lead(own) => {
            let id = inner.with(|s| s.coord.as_ref().map_or(0, |c| c.id()));
            with_link(inner, |l| events::set_relay(&inner.js, &l.relay(id)));
            // A fresh engine (this tab may have led and closed before), connecting now, with
            // this tab's queue: its unconfirmed sends first, then what it queued following.
            let old = inner.with(|s| {
                let (online, visible) = (s.engine.online(), s.engine.visible());
                let seed = (js_sys::Math::random() * u32::MAX as f64) as u64 | 1;
                let mut fresh = Engine::new(s.engine.config().clone(), seed);
                let mut queue = s.engine.take_queue();
                queue.prepend(own);
                fresh.set_queue(queue);
                fresh.set_online(now(), online);
                fresh.set_visible(now(), visible);
                fresh.connect(now());
                s.armed = None;
                (std::mem::replace(&mut s.engine, fresh), s.slot.take())
            });
            drop(old);
        }
        Action::Resign => {
            events::set_relay(&inner.js, &JsValue::NULL);
            // The socket goes without a word to the local client (the coordinator tells
            // it); what the engine still queued goes to the new leader.
            let (slot, queued) = inner.with(|s| {
                let cfg = s.engine.config().clone();
                let mut fresh = Engine::new(cfg, 1);
                fresh.note_page(s.engine.online(), s.engine.visible());
                if let Some(c) = s.coord.as_ref() {
                    fresh.follow(c.view());
                }
                let mut old = std::mem::replace(&mut s.engine, fresh);
                s.armed = None;
                (s.slot.take(), old.clear_queue())
            });
            drop(slot);
            inner.with(|s| {
                if let Some(c) = s.coord.as_mut() {
                    for d in queued {
                        c.send(d);
                    }
                }
            });
        }
        Action::Write(d) => write_own(inner, &d),
        Action::Deliver(ev) => inner.with(|s| {
            // A follower's engine follows what its client sees (see `Engine::follow`).
            if let Event::StateChange { to, .. } = ev {
                if s.coord.as_ref().is_some_and(|c| c.follows_other()) {
                    s.engine.follow(to);
                }
            }
            s.local.push_back(Local::Event(ev))
        }),
        Action::DeliverMessage(d) => inner.with(|s| s.local.push_back(Local::Message(d))),
    }
}

/// Sends through the own engine: on the socket if open, else into its queue.
fn write_own(inner: &Rc<Inner>, d: &JsValue) {
    let sent = socket_call(inner, open_slot, |ws| send_raw(ws, d));
    if sent.is_none() {
        let _ = inner.with(|s| s.engine.send(d.clone(), 0, true));
    }
}

/// Whether the sockets' `onmessage` must call Rust (a pong is awaited or a matcher
/// decides pongs); otherwise messages go straight to the listeners in JS. The one place
/// this is decided.
fn refresh_slow(inner: &Inner) {
    // A passive heartbeat hears every message (each one is a sign of life).
    let slow = inner.opts.has_matcher()
        || inner.opts.ping_message.is_null()
        || inner.with(|s| s.engine.pong_deadline().is_some());
    events::set_slow(&inner.js, slow);
}

fn rearm(inner: &Rc<Inner>) {
    let (deadline, same, staged) = inner.with(|s| {
        let d = match s.coord.as_ref().and_then(|c| c.poll_timeout()) {
            Some(c) => Some(s.engine.poll_timeout().map_or(c, |e| e.min(c))),
            None => s.engine.poll_timeout(),
        };
        let same = d == s.armed && (d.is_none() || s.timer.is_some());
        (d, same, s.engine.visible())
    });
    if same {
        return;
    }
    let timer = deadline.map(|d| {
        // In stages on a visible page: Firefox holds a long timer back by up to 1/8 of its
        // delay (config::wake_delay). A stage before the deadline finds nothing due (both
        // machines compare their deadlines with `now`) and the drive below arms the next.
        let delay = config::wake_delay(d.saturating_sub(now()), staged).min(i32::MAX as u64) as u32;
        let w = inner.weak.clone();
        Timeout::new(delay, move || {
            if let Some(i) = w.upgrade() {
                let fired = i.with(|s| {
                    s.armed = None;
                    s.timer.take()
                });
                drop(fired);
                // One input for both machines, then one drive.
                i.with(|s| {
                    let now = now();
                    s.engine.handle_timeout(now);
                    if let Some(c) = s.coord.as_mut() {
                        c.handle_timeout(now);
                    }
                });
                drive(&i);
            }
        })
    });
    // Replacing the handle cancels the previous timer (dropped after the borrow).
    let old = inner.with(|s| {
        s.armed = deadline;
        std::mem::replace(&mut s.timer, timer)
    });
    drop(old);
}

/// Calls `f` with the socket `pick` chooses, after the borrow: the socket's methods may be
/// user code (a socket from the `WebSocket` option, or a global `WebSocket` that a test
/// mock or polyfill replaced, whose `close` may call `onclose` synchronously), so the
/// slot hands out only a handle, taken out of the borrow first (no user code under a
/// borrow, structurally: the slot gives no reference to its socket).
fn socket_call<R>(
    inner: &Inner,
    pick: impl for<'a> FnOnce(&'a State) -> Option<&'a SocketSlot>,
    f: impl FnOnce(&web_sys::WebSocket) -> R,
) -> Option<R> {
    let ws = inner.with(|s| pick(s).map(SocketSlot::handle));
    ws.map(|ws| f(&ws))
}

/// The socket, while the engine says it is open (what `send` may write to at once).
fn open_slot(s: &State) -> Option<&SocketSlot> {
    if s.engine.phase() == Phase::Open {
        s.slot.as_ref()
    } else {
        None
    }
}

/// Takes the socket out of its slot if it is `socket` (dropping it detaches its handlers).
fn take_slot(s: &mut State, socket: SocketId) -> Option<SocketSlot> {
    if s.slot.as_ref().is_some_and(|sl| sl.id == socket) {
        s.slot.take()
    } else {
        None
    }
}

fn execute(inner: &Rc<Inner>, io: Io) {
    match io {
        Io::OpenSocket(id) => start_socket(inner, id),
        Io::CloseSocket {
            socket,
            code,
            reason,
        } => {
            socket_call(
                inner,
                |s| s.slot.as_ref().filter(|sl| sl.id == socket),
                |ws| match code {
                    Some(c) => ws.close_with_code_and_reason(c, &reason),
                    None => ws.close(),
                },
            );
        }
        Io::DropSocket {
            socket,
            code,
            reason,
        } => {
            let old = inner.with(|s| take_slot(s, socket));
            if let Some(sl) = old {
                let _ = sl.handle().close_with_code_and_reason(code, reason);
                drop(sl);
            }
        }
        Io::SendPing => {
            // (Never for the passive heartbeat: the engine sends it no ping.)
            let msg = &inner.opts.ping_message;
            socket_call(inner, |s| s.slot.as_ref(), |ws| send_raw(ws, msg));
        }
    }
}

/// [`Io::OpenSocket`]: a fixed URL opens now; a `url`/`protocols` function is called in a
/// task of its own (never inside the I/O of a transition), and its result is used only if
/// the engine still wants that socket.
fn start_socket(inner: &Rc<Inner>, id: SocketId) {
    if let (UrlSource::Fixed(u), ProtocolsSource::Fixed(p)) =
        (&inner.opts.url, &inner.opts.protocols)
    {
        create_socket(inner, id, Ok(JsValue::from_str(u)), Ok(p.clone().into()));
        return;
    }
    let w = inner.weak.clone();
    let done = Closure::new(move |failed: u8, values: JsValue| {
        let values: Array = values.unchecked_into();
        let result = |i: u32, bit: u8| {
            let v = values.get(i);
            if failed & bit == 0 {
                Ok(v)
            } else {
                Err(v)
            }
        };
        if let Some(i) = w.upgrade() {
            create_socket(&i, id, result(0, 1), result(1, 2));
        }
    });
    let url: JsValue = match &inner.opts.url {
        UrlSource::Fixed(u) => JsValue::from_str(u),
        UrlSource::Dynamic(f) => f.into(),
    };
    let protocols: JsValue = match &inner.opts.protocols {
        ProtocolsSource::Fixed(a) => a.into(),
        ProtocolsSource::Dynamic(f) => f.into(),
    };
    let ticket = events::resolve_sources(&url, &protocols, done.as_ref());
    // An earlier attempt's pending sources (superseded) are cancelled by their drop.
    let old = inner.sources.replace(Some(Sources {
        ticket,
        _done: done,
    }));
    drop(old);
}

/// The pending `url`/`protocols` resolution of an attempt (see `resolveSources` in
/// `events.js`): dropping it cancels the ticket, so JS never calls the dropped callback.
struct Sources {
    ticket: JsValue,
    _done: Closure<dyn FnMut(u8, JsValue)>,
}

impl Drop for Sources {
    fn drop(&mut self) {
        events::cancel_sources(&self.ticket);
    }
}

fn create_socket(
    inner: &Rc<Inner>,
    id: SocketId,
    url: Result<JsValue, JsValue>,
    protocols: Result<JsValue, JsValue>,
) {
    let wanted = inner.with(|s| {
        s.engine.is_current(id)
            && s.engine.phase() == Phase::Connecting
            && !s.engine.socket_created()
    });
    if !wanted {
        // Closed or superseded while the url function was pending: never created.
        return;
    }
    // Validation may read user data (a URL object's toString): no borrow held.
    let target = url
        .and_then(|u| crate::validate::resolve_url(&u))
        .and_then(|u| {
            let p = protocols.and_then(|p| crate::validate::protocols(&p))?;
            Ok((u, p))
        });
    // A reconnect of a client its owner replaced (see `orphaned` in events.js): stopped
    // instead, as a user's close would (its listeners were released, nobody hears of it).
    if let Ok((u, _)) = &target {
        if inner.opts.shared.is_none() && events::orphaned(&inner.js, u) {
            run(inner, |e, now| e.close(now, Some(1000), ""));
            return;
        }
    }
    let opened = target.and_then(|(u, p)| {
        SocketSlot::open(
            &inner.weak,
            &inner.js,
            id,
            (&u, &p),
            inner.opts.socket_ctor.as_ref(),
            if inner.opts.shared.is_some() {
                BinaryType::Arraybuffer
            } else {
                inner.binary_type.get()
            },
            inner.opts.shared.is_some(),
        )
        .map(|slot| (u, slot))
    });
    match opened {
        Ok((u, slot)) => {
            let old = inner.with(|s| {
                // A new socket: what was discarded after the last close counted in the
                // old socket's `bufferedAmount`, as natively (a fresh socket starts at 0) —
                // unless the local client is closed and this socket is the other tabs'.
                if !s.coord.as_ref().is_some_and(|c| c.local_closed()) {
                    s.discarded = 0.0;
                }
                s.url = u;
                s.engine.handle_created(id);
                s.slot.replace(slot)
            });
            drop(old);
        }
        Err(err) => {
            // The attempt failed before a socket existed. In the constructor the error is
            // thrown (as natively); later it is a failed attempt, except that a refusal by
            // the browser itself (SecurityError) is permanent.
            let permanent = inner.starting.get() || is_security_error(&err);
            if inner.starting.get() {
                inner.start_error.set(Some(err));
            } else {
                web_sys::console::error_2(
                    &"ResilientWebSocket: could not open the socket:".into(),
                    &err,
                );
            }
            run(inner, |e, now| e.handle_open_failed(now, id, permanent));
        }
    }
}

fn is_security_error(err: &JsValue) -> bool {
    err.dyn_ref::<web_sys::DomException>()
        .is_some_and(|d| d.name() == "SecurityError")
}

pub(crate) fn on_open(inner: &Rc<Inner>, id: SocketId, ev: web_sys::Event) {
    let read = |ws: &web_sys::WebSocket| (ws.protocol(), ws.extensions());
    let this = socket_call(inner, |s| s.slot.as_ref().filter(|sl| sl.id == id), read);
    if let Some((p, x)) = this {
        inner.with(|s| {
            if let Some(c) = s.coord.as_mut() {
                c.set_socket_info(p.clone(), x.clone(), s.url.clone());
            }
            s.protocol = p;
            s.extensions = x;
        });
    }
    inner.native.set(Some(ev));
    run(inner, |e, now| e.handle_open(now, id));
}

/// The socket's `onmessage` when Rust must see the message (see [`refresh_slow`]).
pub(crate) fn on_message(inner: &Rc<Inner>, id: SocketId, ev: MessageEvent) {
    // User code first (isPong), with no borrow held.
    let is_pong = match (&inner.opts.is_pong, &inner.opts.pong_message) {
        (Some(f), _) => events::verdict(&inner.js, f, &ev) == 1,
        (None, Some(p)) if p.is_string() => ev.data() == *p,
        (None, Some(p)) => events::same_bytes(&ev.data(), p),
        (None, None) => true,
    };
    let (deliver_it, answered) = inner.with(|s| {
        let awaiting = s.engine.pong_deadline().is_some();
        let d = s.engine.handle_message(now(), id, is_pong);
        (d, awaiting && s.engine.pong_deadline().is_none())
    });
    if answered {
        rearm(inner);
        refresh_slow(inner);
    }
    // Only the pong that answers our own ping is hidden: a library that pings by itself
    // (graphql-ws keepAlive, MQTT's PINGREQ) gets its own pongs.
    // The passive heartbeat sends no ping, so no pong is ours to hide.
    let hidden = inner.opts.hide_pongs
        && inner.opts.has_matcher()
        && is_pong
        && answered
        && !inner.opts.ping_message.is_null();
    if deliver_it && !hidden {
        events::deliver_message(&inner.js, &ev);
    }
    if answered {
        // The engine's `pong` event (the round trip), now rather than at the next timer.
        drive(inner);
    }
}

pub(crate) fn on_error(inner: &Rc<Inner>, id: SocketId, ev: web_sys::Event) {
    inner.native.set(Some(ev));
    run(inner, |e, now| e.handle_error(now, id));
}

pub(crate) fn on_close(inner: &Rc<Inner>, id: SocketId, ev: CloseEvent) {
    let old = inner.with(|s| {
        if s.engine.is_current(id) {
            Some(take_slot(s, id))
        } else {
            None
        }
    });
    let Some(old) = old else { return };
    // The socket is done: detach it now (outside the borrow).
    drop(old);
    let verdict = inner
        .opts
        .should_reconnect
        .as_ref()
        .map(|f| events::verdict(&inner.js, f, &ev) == 1);
    let (code, reason, clean) = (ev.code(), ev.reason(), ev.was_clean());
    inner.native.set(Some(ev.into()));
    run(inner, |e, now| {
        e.handle_close(now, id, code, &reason, clean, verdict)
    });
}

/// The socket's own event of this type for the input being handled, if there is one.
fn take_native(inner: &Inner, ty: &str) -> Option<web_sys::Event> {
    let n = inner.native.take();
    if n.as_ref().is_some_and(|e| e.type_() == ty) {
        return n;
    }
    inner.native.set(n);
    None
}

/// Delivers one of the engine's own events (`deliverCustom` in `events.js`: `kind` picks
/// the type and what `a`/`b` are; the detail is built only if something listens).
fn custom(js: &Object, kind: u32, a: impl Into<JsValue>, b: impl Into<JsValue>) {
    events::deliver_custom(js, kind, &a.into(), &b.into());
}

/// Delivers one application event (user code runs here; no borrow is held).
fn deliver(inner: &Rc<Inner>, ev: Event<JsValue>) {
    let js = &inner.js;
    match ev {
        Event::StateChange { from, to } => {
            // A client closed for good may be collected (as a closed native socket may);
            // one that connects again is kept alive while it has listeners.
            // A shared leader closed by its user stays alive while its socket serves the
            // other tabs.
            let relaying = inner.with(|s| s.coord.as_ref().is_some_and(|c| c.owns_socket()));
            if to == Phase::Closed && !relaying {
                events::set_alive(js, false);
            } else if from == Phase::Closed {
                events::set_alive(js, true);
            }
            custom(js, 0, from.name(), to.name());
        }
        Event::Open => {
            let e = take_native(inner, "open").or_else(|| web_sys::Event::new("open").ok());
            if let Some(e) = e {
                events::deliver(js, &e);
            }
            // A shared client following another tab: what it queued goes to the leader now,
            // after what `open` listeners sent.
            let followed = inner.with(|s| match s.coord.as_mut() {
                Some(c) if !c.owns_socket() => {
                    for d in s.engine.clear_queue() {
                        c.send(d);
                    }
                    true
                }
                _ => false,
            });
            if followed {
                drive_io(inner);
                return;
            }
            // The backlog goes after what `open` listeners sent (auth first). Through
            // `socket_call`: a socket from the `WebSocket` option is user code, its `send`
            // may call back into the client (it trapped under the borrow).
            let backlog = inner.with(|s| s.engine.take_backlog());
            for m in backlog {
                let sent = socket_call(
                    inner,
                    |s| s.slot.as_ref(),
                    |ws| {
                        let _ = send_raw(ws, &m);
                    },
                );
                if sent.is_none() {
                    break;
                }
            }
        }
        Event::Error => {
            let e = take_native(inner, "error").or_else(|| web_sys::Event::new("error").ok());
            if let Some(e) = e {
                events::deliver(js, &e);
            }
        }
        Event::Close {
            code,
            reason,
            was_clean,
        } => match take_native(inner, "close") {
            Some(e) => events::deliver(js, &e),
            None => events::deliver_close(js, code, &reason, was_clean),
        },
        Event::Reconnect { attempt } => custom(js, 1, attempt, JsValue::UNDEFINED),
        Event::Reconnecting { attempt, delay } => custom(js, 2, attempt, delay as f64),
        Event::HeartbeatTimeout => custom(js, 3, JsValue::UNDEFINED, JsValue::UNDEFINED),
        Event::Pong { rtt } => {
            inner.rtt.set(Some(rtt));
            custom(js, 6, rtt as f64, JsValue::UNDEFINED);
        }
        Event::ReconnectFailed { attempts } => custom(js, 4, attempts, JsValue::UNDEFINED),
        Event::QueueOverflow { data } => custom(js, 5, data, JsValue::UNDEFINED),
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
        socket_ctor: None,
        shared: None,
    }
}
