//! `websocketClass`: a drop-in for seed 001's hand-written class (same method names, same
//! `thatVue` hooks), on top of the same engine, without its bugs (a ping is answered by any
//! message, the heartbeat stops with the socket, close and error cannot both reconnect).
//!
//! It adapts names and nothing else, over the public `ResilientWebSocket` class, so it is
//! JS (`websocketClass` in `src/browser/events.js`, installed on this class's prototype):
//! the Rust export is its constructor and `configure`, which validate the options with
//! the engine's rules. (Written in Rust it was 2.3 KB of gzip'd wasm for thin glue.)

use wasm_bindgen::prelude::*;

use crate::browser::events;
use crate::errors::type_error;

/// Seed 001's `websocketClass`, method for method: `new websocketClass(thatVue)` connects
/// at once; after every reconnect it calls `thatVue.openSuccess(this)` and
/// `thatVue.getSocketMsg(this)`, as the seed does. The URL comes from
/// `websocketClass.configure({ url })` or the optional second constructor argument.
/// Its methods (`createWebSocket`, `websocketSendMsg`, `getWebSocketMsg`, `closeSocket`, …)
/// are JS, on its prototype; see the TypeScript declarations.
#[wasm_bindgen(js_name = websocketClass)]
pub struct WebsocketClass {
    _private: (),
}

impl WebsocketClass {
    /// An object of the class, for its prototype (no client behind it).
    pub(crate) fn probe() -> JsValue {
        WebsocketClass { _private: () }.into()
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
        super::ensure_shims();
        events::seed_new(&that_vue, &super::arg(url))?;
        Ok(WebsocketClass { _private: () })
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
        events::seed_configure(&options);
        Ok(())
    }
}

#[wasm_bindgen(typescript_custom_section)]
const SEED_METHODS: &'static str = r#"
/**
 * Seed 001's methods and fields on `websocketClass` (JS, on its prototype).
 * @example
 * websocketClass.configure({ url: 'wss://example.com/socket' });
 * const socket = new websocketClass(this); // this = the Vue component
 * socket.getWebSocketMsg((ev) => console.log(ev.data));
 * socket.websocketSendMsg('hello');
 */
export interface websocketClass {
    /**
     * Creates the socket (first call) or reconnects it (later calls; a no-op while
     * `lockReconnect` holds).
     */
    createWebSocket(): void;
    /** Kept for compatibility: the handlers are wired once, by the constructor. */
    initEventHandle(): void;
    /**
     * Kept for compatibility: the heartbeat runs by itself while the socket is open
     * (ping every `pingInterval`, drop after `pongTimeout` without an answer).
     */
    startHeartBeat(): void;
    /** Kept for compatibility: waiting for the pong is part of the heartbeat. */
    waitingServer(): void;
    /** Reconnects (a no-op while `lockReconnect` holds); reopens after `closeSocket()`. */
    reconnect(): void;
    /** Sends a message (queued while not open). */
    websocketSendMsg(msg: ResilientWebSocketData): void;
    /** The spelling seed 001 also calls. */
    webSocketSendMsg(msg: ResilientWebSocketData): void;
    /** Every message from now on (across reconnects) goes to `callback(event)`. */
    getWebSocketMsg(callback: ((ev: MessageEvent) => void) | null): void;
    /** `callback()` runs when the socket opens (and on every reopen until replaced). */
    onopenSuccess(callback: (() => void) | null): void;
    /** Closes for good: `userClose` is set, no reconnect, heartbeat stopped. */
    closeSocket(): void;
    /** `lockReconnect`: a reconnect is scheduled or a socket is connecting. */
    readonly lockReconnect: boolean;
    /** `userClose`: `closeSocket()` was called and nothing reopened since. */
    readonly userClose: boolean;
    /** The seed's online flag: open and no pong overdue. */
    readonly websocketState: boolean;
    /** The seed's other spelling of `websocketState`. */
    readonly webSocketState: boolean;
    /** The underlying `ResilientWebSocket` (native `WebSocket` interface). */
    readonly ws: ResilientWebSocket;
    /** The URL in use. */
    readonly localUrl: string;
    /** The callback given to `getWebSocketMsg`. */
    globalCallback: ((ev: MessageEvent) => void) | null;
    /**
     * The Vue component (or any object) whose `openSuccess`/`getSocketMsg` hooks run
     * after each reconnect.
     */
    thatVue: { openSuccess?: (ws: websocketClass) => void; getSocketMsg?: (ws: websocketClass) => void };
}
"#;
