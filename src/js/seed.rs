//! `websocketClass`: a drop-in for seed 001's hand-written class (same method names, same
//! `thatVue` hooks), on top of the same engine, without its bugs (a ping is answered by any
//! message, the heartbeat stops with the socket, close and error cannot both reconnect).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::ResilientWebSocket;
use crate::browser::Shell;
use crate::errors::type_error;

thread_local! {
    static CONFIG: RefCell<JsValue> = const { RefCell::new(JsValue::UNDEFINED) };
}

struct State {
    that_vue: RefCell<JsValue>,
    global_callback: RefCell<JsValue>,
    open_callback: RefCell<JsValue>,
    url: RefCell<JsValue>,
    client: RefCell<Option<(Shell, JsValue)>>,
}

/// Seed 001's `websocketClass`, method for method: `new websocketClass(thatVue)` connects
/// at once; after every reconnect it calls `thatVue.openSuccess(this)` and
/// `thatVue.getSocketMsg(this)`, as the seed does. The URL comes from
/// `websocketClass.configure({ url })` or the optional second constructor argument.
#[wasm_bindgen(js_name = websocketClass)]
pub struct WebsocketClass {
    state: Rc<State>,
}

fn call_hook(target: &JsValue, name: &str, me: &JsValue) {
    if let Ok(f) = Reflect::get(target, &JsValue::from_str(name)) {
        if let Some(f) = f.dyn_ref::<Function>() {
            if let Err(e) = f.call1(target, me) {
                crate::browser::report(&e);
            }
        }
    }
}

/// A listener that calls the JS function kept in one of `State`'s slots, looked up at each
/// event so that a later `getWebSocketMsg`/`onopenSuccess` replaces it: with the event
/// (messages) or without (open), as the seed's callbacks take them.
fn forward(
    state: &Rc<State>,
    slot: fn(&State) -> &RefCell<JsValue>,
    with_event: bool,
) -> impl FnMut(web_sys::Event) + 'static {
    let w: Weak<State> = Rc::downgrade(state);
    move |ev: web_sys::Event| {
        let Some(s) = w.upgrade() else { return };
        let cb = slot(&s).borrow().clone();
        if let Some(f) = cb.dyn_ref::<Function>() {
            let res = if with_event {
                f.call1(&JsValue::UNDEFINED, &ev)
            } else {
                f.call0(&JsValue::UNDEFINED)
            };
            if let Err(e) = res {
                crate::browser::report(&e);
            }
        }
    }
}

impl WebsocketClass {
    fn shell(&self) -> Option<Shell> {
        self.state.client.borrow().as_ref().map(|(s, _)| s.clone())
    }

    pub(crate) fn probe() -> JsValue {
        WebsocketClass {
            state: Rc::new(State {
                that_vue: RefCell::new(JsValue::UNDEFINED),
                global_callback: RefCell::new(JsValue::NULL),
                open_callback: RefCell::new(JsValue::NULL),
                url: RefCell::new(JsValue::UNDEFINED),
                client: RefCell::new(None),
            }),
        }
        .into()
    }

    fn wire(state: &Rc<State>, shell: &Shell) {
        shell.add_rust_listener("message", forward(state, |s| &s.global_callback, true));
        shell.add_rust_listener("open", forward(state, |s| &s.open_callback, false));
        // The seed calls the hooks right after creating the new socket of a reconnect, so
        // that the callbacks they register apply to that socket's open and messages.
        let w: Weak<State> = Rc::downgrade(state);
        let js = shell.js_state().clone();
        shell.add_rust_listener("statechange", move |ev: web_sys::Event| {
            let Some(s) = w.upgrade() else { return };
            let field = |k: &str| {
                Reflect::get(&ev, &k.into())
                    .ok()
                    .and_then(|v| v.as_string())
            };
            if field("from").as_deref() == Some("waiting")
                && field("to").as_deref() == Some("connecting")
            {
                let me = crate::browser::events::held_extra(&js);
                let vue = s.that_vue.borrow().clone();
                if vue.is_object() {
                    call_hook(&vue, "openSuccess", &me);
                    call_hook(&vue, "getSocketMsg", &me);
                }
            }
        });
    }
}

#[wasm_bindgen(js_class = websocketClass)]
impl WebsocketClass {
    /// `new websocketClass(thatVue, url?)`: connects at once, as the seed does.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(
            unchecked_param_type = "{ openSuccess?: (ws: websocketClass) => void; getSocketMsg?: (ws: websocketClass) => void }"
        )]
        that_vue: JsValue,
        url: Option<super::UrlArg>,
    ) -> Result<WebsocketClass, JsValue> {
        let url = super::arg(url);
        super::ensure_shims();
        let url = if url.is_undefined() {
            CONFIG.with(|c| Reflect::get(&c.borrow(), &"url".into()).unwrap_or(JsValue::UNDEFINED))
        } else {
            url
        };
        if url.is_undefined() {
            return Err(type_error(
                "websocketClass: no URL. Call websocketClass.configure({ url: 'wss://…' }) once \
                 before creating it, or pass the URL as the second argument: new \
                 websocketClass(thatVue, url)",
            ));
        }
        let this = WebsocketClass {
            state: Rc::new(State {
                that_vue: RefCell::new(that_vue),
                global_callback: RefCell::new(JsValue::NULL),
                open_callback: RefCell::new(JsValue::NULL),
                url: RefCell::new(url),
                client: RefCell::new(None),
            }),
        };
        this.create_web_socket()?;
        Ok(this)
    }

    /// Sets the URL and options every later `new websocketClass(thatVue)` uses:
    /// `{ url, pingInterval?, pongTimeout?, reconnectDelay?, ...ResilientWebSocketOptions }`.
    pub fn configure(
        #[wasm_bindgen(unchecked_param_type = "{ url: string } & ResilientWebSocketOptions")]
        options: JsValue,
    ) -> Result<(), JsValue> {
        if !options.is_object() {
            return Err(type_error(
                "websocketClass.configure expects an object like { url: 'wss://…' }",
            ));
        }
        // Validate now, so a mistake shows where it is made.
        super::options::parse(&options)?;
        CONFIG.with(|c| *c.borrow_mut() = options);
        Ok(())
    }

    /// Internal: tells the object which JS object it is (called by the prototype shims).
    #[wasm_bindgen(js_name = __rwsBind, skip_typescript)]
    pub fn bind(&self, me: JsValue) {
        // Held (strongly) only while the client is alive, as the seed's closures on its
        // socket held it; after `closeSocket()` the object and its `thatVue` may be freed.
        if let Some(shell) = self.shell() {
            crate::browser::events::hold_extra(shell.js_state(), &me);
        }
    }

    /// Creates the socket (first call) or reconnects it (later calls; a no-op while
    /// `lockReconnect` holds).
    #[wasm_bindgen(js_name = createWebSocket)]
    pub fn create_web_socket(&self) -> Result<(), JsValue> {
        if let Some(shell) = self.shell() {
            shell.reconnect();
            return Ok(());
        }
        let options = CONFIG.with(|c| c.borrow().clone());
        let options = if options.is_object() {
            let copy = Object::assign(&Object::new(), options.unchecked_ref());
            let _ = Reflect::delete_property(&copy, &"url".into());
            copy.into()
        } else {
            JsValue::UNDEFINED
        };
        let url = self.state.url.borrow().clone();
        let client = ResilientWebSocket::create(&url, &JsValue::UNDEFINED, &options)?;
        let shell = client.shell.clone();
        let js: JsValue = client.into();
        Self::wire(&self.state, &shell);
        *self.state.client.borrow_mut() = Some((shell, js));
        Ok(())
    }

    /// Kept for compatibility: the handlers are wired once, by the constructor.
    #[wasm_bindgen(js_name = initEventHandle)]
    pub fn init_event_handle(&self) {}

    /// Kept for compatibility: the heartbeat runs by itself while the socket is open
    /// (ping every `pingInterval`, drop after `pongTimeout` without an answer).
    #[wasm_bindgen(js_name = startHeartBeat)]
    pub fn start_heart_beat(&self) {}

    /// Kept for compatibility: waiting for the pong is part of the heartbeat.
    #[wasm_bindgen(js_name = waitingServer)]
    pub fn waiting_server(&self) {}

    /// Reconnects (a no-op while `lockReconnect` holds); reopens after `closeSocket()`.
    pub fn reconnect(&self) {
        if let Some(s) = self.shell() {
            s.reconnect();
        }
    }

    /// Sends a message (queued while not open).
    #[wasm_bindgen(js_name = websocketSendMsg)]
    pub fn websocket_send_msg(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResilientWebSocketData")] msg: JsValue,
    ) -> Result<(), JsValue> {
        let ws = self.ws();
        let send = Reflect::get(&ws, &"send".into())?;
        send.unchecked_ref::<Function>().call1(&ws, &msg)?;
        Ok(())
    }

    /// The spelling seed 001 also calls.
    #[wasm_bindgen(js_name = webSocketSendMsg)]
    pub fn web_socket_send_msg(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResilientWebSocketData")] msg: JsValue,
    ) -> Result<(), JsValue> {
        self.websocket_send_msg(msg)
    }

    /// Every message from now on (across reconnects) goes to `callback(event)`.
    #[wasm_bindgen(js_name = getWebSocketMsg)]
    pub fn get_web_socket_msg(
        &self,
        #[wasm_bindgen(unchecked_param_type = "((ev: MessageEvent) => void) | null")]
        callback: JsValue,
    ) {
        *self.state.global_callback.borrow_mut() = callback;
    }

    /// `callback()` runs when the socket opens (and on every reopen until replaced).
    #[wasm_bindgen(js_name = onopenSuccess)]
    pub fn onopen_success(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(() => void) | null")] callback: JsValue,
    ) {
        *self.state.open_callback.borrow_mut() = callback;
    }

    /// Closes for good: `userClose` is set, no reconnect, heartbeat stopped.
    #[wasm_bindgen(js_name = closeSocket)]
    pub fn close_socket(&self) {
        if let Some(s) = self.shell() {
            s.close(None, "", false);
        }
    }

    /// `lockReconnect`: a reconnect is scheduled or a socket is connecting.
    #[wasm_bindgen(getter, js_name = lockReconnect)]
    pub fn lock_reconnect(&self) -> bool {
        self.shell().is_some_and(|s| s.lock_reconnect())
    }

    /// `userClose`: `closeSocket()` was called and nothing reopened since.
    #[wasm_bindgen(getter, js_name = userClose)]
    pub fn user_close(&self) -> bool {
        self.shell().is_some_and(|s| s.user_close())
    }

    /// The seed's online flag: open and no pong overdue.
    #[wasm_bindgen(getter, js_name = websocketState)]
    pub fn websocket_state(&self) -> bool {
        self.shell().is_some_and(|s| s.responsive())
    }

    /// The seed's other spelling of `websocketState`.
    #[wasm_bindgen(getter, js_name = webSocketState)]
    pub fn web_socket_state(&self) -> bool {
        self.websocket_state()
    }

    /// The underlying `ResilientWebSocket` (native `WebSocket` interface).
    #[wasm_bindgen(getter, unchecked_return_type = "ResilientWebSocket")]
    pub fn ws(&self) -> JsValue {
        self.state
            .client
            .borrow()
            .as_ref()
            .map(|(_, js)| js.clone())
            .unwrap_or(JsValue::NULL)
    }

    /// The URL in use.
    #[wasm_bindgen(getter, js_name = localUrl, unchecked_return_type = "string")]
    pub fn local_url(&self) -> JsValue {
        self.state.url.borrow().clone()
    }

    /// The callback given to `getWebSocketMsg`.
    #[wasm_bindgen(getter, js_name = globalCallback, unchecked_return_type = "((ev: MessageEvent) => void) | null")]
    pub fn global_callback(&self) -> JsValue {
        self.state.global_callback.borrow().clone()
    }

    /// Sets the message callback directly, as seed code sometimes does.
    #[wasm_bindgen(setter, js_name = globalCallback)]
    pub fn set_global_callback(
        &self,
        #[wasm_bindgen(unchecked_param_type = "((ev: MessageEvent) => void) | null")] f: JsValue,
    ) {
        *self.state.global_callback.borrow_mut() = f;
    }

    /// The Vue component (or any object) whose `openSuccess`/`getSocketMsg` hooks run
    /// after each reconnect.
    #[wasm_bindgen(getter, js_name = thatVue, unchecked_return_type = "{ openSuccess?: (ws: websocketClass) => void; getSocketMsg?: (ws: websocketClass) => void }")]
    pub fn that_vue(&self) -> JsValue {
        self.state.that_vue.borrow().clone()
    }

    /// Replaces the hooks' object.
    #[wasm_bindgen(setter, js_name = thatVue)]
    pub fn set_that_vue(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ openSuccess?: (ws: websocketClass) => void; getSocketMsg?: (ws: websocketClass) => void }"
        )]
        v: JsValue,
    ) {
        *self.state.that_vue.borrow_mut() = v;
    }
}
