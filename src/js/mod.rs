//! The JS facades: `ResilientWebSocket` (the native interface plus heartbeat/reconnect)
//! and its singleton registry.

pub mod options;
pub mod seed;

pub use seed::WebsocketClass;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::{registry, Shell};
use crate::engine::Phase;
use crate::errors::{to_js, type_error};

thread_local! {
    static SHIMS_INSTALLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once, the class's EventTarget part (`events.js`: listeners, dispatch, onX,
/// the attributes and constants, `send`'s conversion; the prototype inherits from
/// `EventTarget.prototype`) and `websocketClass`'s methods (`events.js`). Called when the
/// module is instantiated (below), so `ResilientWebSocket.prototype` is complete before
/// any client exists, and again (a no-op then) before a client is returned to JS, for
/// builds that run no start function (`wasm-bindgen-test`).
pub(crate) fn ensure_shims() {
    if SHIMS_INSTALLED.with(|s| s.replace(true)) {
        return;
    }
    let probe: JsValue = ResilientWebSocket {
        shell: Shell::new(Default::default(), crate::browser::inert_options()),
    }
    .into();
    let proto = Object::get_prototype_of(&probe);
    crate::browser::events::install_prototype(&proto);
    // The probe is freed now rather than when it is collected: `liveClients` stays 0.
    if let Ok(free) = Reflect::get(&proto, &"free".into()) {
        let _ = free.unchecked_into::<js_sys::Function>().call0(&probe);
    }
    crate::browser::events::install_seed(&Object::get_prototype_of(&seed::WebsocketClass::probe()));
}

/// The module's start: the class is complete as soon as the module is initialised (for
/// feature detection and libraries that inspect `ResilientWebSocket.prototype`).
/// wasm-bindgen chains start functions, so an application's own start still runs.
#[wasm_bindgen(start, private)]
fn rws_install_class() {
    ensure_shims();
}

#[wasm_bindgen(module = "/src/input.js")]
extern "C" {
    /// `getInstance`'s argument read: `[url, protocols, options, key]`; throws its errors.
    #[wasm_bindgen(js_name = warnIgnoredOptions)]
    fn warn_ignored_options(key: &str, given: &JsValue, created_with: &JsValue);
    #[wasm_bindgen(js_name = instanceArgs, catch)]
    fn instance_args(arg: &JsValue) -> Result<js_sys::Array, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// The `protocols` argument (a string, a list, or a function producing them).
    #[wasm_bindgen(
        typescript_type = "string | string[] | (() => string | string[] | Promise<string | string[]>)"
    )]
    pub type ProtocolsArg;
    /// The constructor's options object.
    #[wasm_bindgen(typescript_type = "ResilientWebSocketOptions")]
    pub type OptionsArg;
    /// `send`'s options.
    #[wasm_bindgen(typescript_type = "{ queue?: boolean }")]
    pub type SendOptions;
    /// A URL string.
    #[wasm_bindgen(typescript_type = "string")]
    pub type UrlArg;
}

/// An optional typed argument as a plain `JsValue` (`undefined` when absent).
fn arg<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map(Into::into).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of `new ResilientWebSocket(url, protocols, options)`. Durations in ms. */
export interface ResilientWebSocketOptions {
  /** Time between pings while open (default 30000; 0 = no heartbeat). */
  pingInterval?: number;
  /** Wait for any message (or the pong) after a ping before dropping (default 5000). */
  pongTimeout?: number;
  /**
   * What a ping sends (default '{"request":"ping"}', as seed 001): a string, or binary
   * (copied). `null`: the passive heartbeat, for protocols whose server pings (socket.io):
   * nothing is sent, and the link is dropped when no message arrives within
   * `pingInterval + pongTimeout`.
   */
  pingMessage?: string | ArrayBuffer | ArrayBufferView | null;
  /**
   * Only a message equal to this counts as the pong (default: every message counts). Binary:
   * the same bytes, in a message that arrived as an ArrayBuffer (set binaryType 'arraybuffer').
   */
  pongMessage?: string | ArrayBuffer | ArrayBufferView;
  /** Decides whether a message event is the pong. */
  isPong?: (event: MessageEvent) => boolean;
  /** Keep the pong that answers our own ping (by pongMessage/isPong) away from message listeners; a library's own pongs pass. */
  hidePongs?: boolean;
  /** Reconnect after a close the user did not ask for (default true). */
  reconnect?: boolean;
  /** Delay before a reconnect (default 15000). */
  reconnectDelay?: number;
  /** Multiply the delay per failed attempt (default 1 = constant). */
  backoffFactor?: number;
  /** Cap of the delay with backoff (default 300000). */
  maxReconnectDelay?: number;
  /** Full jitter: delay uniform in [0, delay] (default false). */
  jitter?: boolean;
  /** Give up after this many failed attempts (default Infinity). */
  maxRetries?: number;
  /** CONNECTING longer than this counts as a failed attempt (default 0 = never). */
  connectTimeout?: number;
  /** After close(), report the socket closed (1006) if the peer has not answered the closing handshake within this long (default 5000; 0 with pingInterval 0 = wait for the browser). */
  closeTimeout?: number;
  /** Decide per close whether to reconnect (default: all but code 1008). */
  shouldReconnect?: (event: CloseEvent) => boolean;
  /** Messages queued while not open (default 1000; 0 = throw while CONNECTING as native). */
  maxQueued?: number;
  /** Bytes queued while not open (default 1 MiB). */
  maxQueuedBytes?: number;
  /** When the queue is full (default 'drop-oldest'). */
  overflow?: 'drop-oldest' | 'drop-newest' | 'error';
  /** Initial binaryType (default 'blob'). */
  binaryType?: BinaryType;
  /** Parse string messages as JSON once; the message event carries `json`. */
  json?: boolean;
  /** Route parsed messages by this field or dotted path to `on(value, handler)` (implies json). */
  routeBy?: string;
  /** Back/forward cache: close while the page is cached, reconnect at once when restored (default true). */
  bfcache?: boolean;
  /**
   * One socket for every same-origin tab's shared client of the same key (default false):
   * a leader tab owns it (Web Locks), the others mirror it (BroadcastChannel). Without
   * those APIs the client owns its socket (one console warning).
   */
  shared?: boolean;
  /** The key shared clients meet by (default: the URL and the subprotocols). */
  key?: string;
  /** The WebSocket constructor used for every attempt (default: the global one; e.g. the `ws` package's in Node). */
  WebSocket?: new (url: string, protocols?: string | string[]) => unknown;
}

/** Options of `ResilientWebSocket.getInstance(options)`. */
export interface ResilientWebSocketInstanceOptions extends ResilientWebSocketOptions {
  /** The URL (or a function returning it, or a Promise of it). */
  url: string | (() => string | Promise<string>);
  /** Subprotocols. */
  protocols?: string | string[];
  /** The registry key (default: the URL). */
  key?: string;
}

/** The ready-state constants on the class (data properties, as on `WebSocket`). */
export declare namespace ResilientWebSocket {
  const CONNECTING: 0;
  const OPEN: 1;
  const CLOSING: 2;
  const CLOSED: 3;
  /**
   * A subclass with `options` bound (copied now): what a library that takes a WebSocket
   * constructor calls as `new C(url, protocols)`. Options passed to its constructor are
   * merged over the bound ones.
   * @example
   * import { createClient } from 'graphql-ws';
   * const client = createClient({ url, webSocketImpl: ResilientWebSocket.withOptions({ reconnect: false }) });
   */
  function withOptions(options: ResilientWebSocketOptions): ResilientWebSocketConstructor;
}

/** A constructor with options bound (`ResilientWebSocket.withOptions`). */
export interface ResilientWebSocketConstructor {
  /** `new C(url, protocols?, options?)`: a client with the bound options, `options` merged over them. */
  new (url: string | URL, protocols?: string | string[], options?: ResilientWebSocketOptions): ResilientWebSocket;
  /** The subclass's prototype (inherits the class's). */
  readonly prototype: ResilientWebSocket;
  /** As `ResilientWebSocket.CONNECTING`: 0. */
  readonly CONNECTING: 0;
  /** As `ResilientWebSocket.OPEN`: 1. */
  readonly OPEN: 1;
  /** As `ResilientWebSocket.CLOSING`: 2. */
  readonly CLOSING: 2;
  /** As `ResilientWebSocket.CLOSED`: 3. */
  readonly CLOSED: 3;
  /** Binds more options over these. */
  withOptions(options: ResilientWebSocketOptions): ResilientWebSocketConstructor;
}

/** What a client may send: as `WebSocket.send`. */
export type ResilientWebSocketData = string | ArrayBufferLike | Blob | ArrayBufferView;

/** The EventTarget part of the class and `send` (implemented in the package's JS). */
export interface ResilientWebSocket extends EventTarget {
  /** As `WebSocket.send`: anything else is converted to a string as natively; queued while not open. */
  send(data: ResilientWebSocketData, options?: { queue?: boolean }): void;
  /** `close(code?, reason?, { clearQueue? })` with the native validation; no reconnect. */
  close(code?: number, reason?: string, options?: { clearQueue?: boolean }): void;
  /**
   * Reconnects (no-op while `lockReconnect` holds); reopens after `close()`. An open socket
   * is closed first (1000 "reconnect"), and the next one opens once it closed: never two.
   */
  reconnect(): void;
  /** Alias of `reconnect()`. */
  open(): void;
  /** `sendJson(value, options?)`: `JSON.stringify(value)`, then `send`. */
  sendJson(value: unknown, options?: { queue?: boolean } | null): void;
  /** The URL of the current (or last) attempt, resolved (`ws:`/`wss:`). */
  readonly url: string;
  /** CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3 (also CLOSED while a reconnect waits). */
  readonly readyState: number;
  /** Bytes waiting in the socket's buffer (plus bytes sent after close, as native). */
  readonly bufferedAmount: number;
  /** The subprotocol the server selected. */
  readonly protocol: string;
  /** The extensions the server selected. */
  readonly extensions: string;
  /** `"blob"` (default) or `"arraybuffer"`; kept across reconnects. Invalid values are ignored, as natively. */
  binaryType: BinaryType;
  /** `readyState` while a socket is connecting: 0. */
  readonly CONNECTING: 0;
  /** `readyState` while the socket is open: 1. */
  readonly OPEN: 1;
  /** `readyState` while the closing handshake runs: 2. */
  readonly CLOSING: 2;
  /** `readyState` when closed (also while a reconnect waits): 3. */
  readonly CLOSED: 3;
  /** Messages waiting in the send queue. */
  readonly queuedAmount: number;
  /** Bytes waiting in the send queue. */
  readonly queuedBytes: number;
  /** The client's phase: `connecting`, `open`, `closing`, `waiting` (a reconnect is scheduled), `closed`. */
  readonly state: 'idle' | 'connecting' | 'open' | 'closing' | 'waiting' | 'closed';
  /** `lockReconnect`: a reconnect is scheduled or a socket is connecting. */
  readonly lockReconnect: boolean;
  /**
   * A shared client: `'leader'` while this tab owns the socket, `'follower'` while it
   * mirrors another tab's; `null` for a client that owns its socket alone.
   */
  readonly sharedRole: 'leader' | 'follower' | null;
  /** `userClose`: the user closed and has not reopened. */
  readonly userClose: boolean;
  /** Failed attempts since the last open (the current attempt number while waiting). */
  readonly reconnectAttempt: number;
  /** The round-trip time of the last answered ping, in ms (null before the first pong). */
  readonly rtt: number | null;
  /**
   * Called on every `open` (the first socket and each reconnected one). The `on*`
   * handlers are typed as `WebSocket`'s, so the class fits wherever a `WebSocket` type is
   * expected (RxJS `WebSocketCtor`, functions that take a `WebSocket`).
   */
  onopen: ((this: WebSocket, ev: Event) => any) | null;
  /** Called on every message, with the browser's own `MessageEvent` (`target` is the client). */
  onmessage: ((this: WebSocket, ev: MessageEvent) => any) | null;
  /** Called on a socket's `error` (a `close` follows). */
  onerror: ((this: WebSocket, ev: Event) => any) | null;
  /** Called on every `close`, including the heartbeat's (code 4000). */
  onclose: ((this: WebSocket, ev: CloseEvent) => any) | null;
  /**
   * As `EventTarget.addEventListener` (`once`, `signal`, listener objects), typed for the
   * client's events.
   * @example
   * ws.addEventListener('reconnecting', (e) => console.log(`attempt ${e.attempt} in ${e.delay} ms`));
   */
  addEventListener<K extends keyof ResilientWebSocketEventMap>(type: K, listener: (this: ResilientWebSocket, ev: ResilientWebSocketEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  /** As `EventTarget.addEventListener`, for any event type. */
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  /** As `EventTarget.removeEventListener`, typed for the client's events. */
  removeEventListener<K extends keyof ResilientWebSocketEventMap>(type: K, listener: (this: ResilientWebSocket, ev: ResilientWebSocketEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  /** As `EventTarget.removeEventListener`, for any event type. */
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /** As `EventTarget.dispatchEvent`: runs this client's listeners for `event`. */
  dispatchEvent(event: Event): boolean;
  /**
   * With `routeBy`: parsed messages whose field equals `route` go to `handler(json, event)`.
   * @example
   * const ws = new ResilientWebSocket(url, [], { routeBy: 'event' });
   * ws.on('CONNECT', (json) => console.log(json.user)); // {"event":"CONNECT","user":"ana"}
   */
  on(route: string, handler: (json: any, event: MessageEvent) => void): void;
  /** Removes a route handler. */
  off(route: string, handler: (json: any, event: MessageEvent) => void): void;
}

/** The client's events and their types, for `addEventListener`. */
export interface ResilientWebSocketEventMap {
  /** A socket opened (the first and every reconnected one). */
  open: Event;
  /** A message arrived (with `json`: `e.json` holds it parsed). */
  message: MessageEvent;
  /** A socket reported an error; a `close` follows. */
  error: Event;
  /** A socket closed (4000: the heartbeat dropped it). */
  close: CloseEvent;
  /** A reconnect is scheduled: attempt number (from 1) and delay in ms. */
  reconnecting: CustomEvent<{ attempt: number; delay: number }> & { attempt: number; delay: number };
  /** A reconnect succeeded (after its `open`). */
  reconnect: CustomEvent<{ attempt: number }> & { attempt: number };
  /** No answer to a ping in time: the link is dropped (a `close` 4000 follows). */
  "heartbeat-timeout": CustomEvent<{}>;
  /** A ping was answered: the round-trip time in ms (also `ws.rtt`; none when passive). */
  pong: CustomEvent<{ rtt: number }> & { rtt: number };
  /** `maxRetries` attempts failed; the client stays closed. */
  "reconnect-failed": CustomEvent<{ attempts: number }> & { attempts: number };
  /** `state` changed. */
  statechange: CustomEvent<{ from: string; to: string }> & { from: string; to: string };
  /** With `json`: a string message was not JSON (it still reaches `message` listeners). */
  "parse-error": CustomEvent<{ data: string; error: unknown }> & { data: string; error: unknown };
  /** A queued message was dropped (queue full, or cleared by `close(…, { clearQueue: true })`). */
  "queue-overflow": CustomEvent<{ data: ResilientWebSocketData }> & { data: ResilientWebSocketData };
}
"#;

/// A WebSocket that keeps itself alive: the native `WebSocket` interface, a heartbeat
/// (ping every `pingInterval`, drop after `pongTimeout` without an answer) and a
/// `lockReconnect`-guarded reconnect after `reconnectDelay`.
#[wasm_bindgen]
pub struct ResilientWebSocket {
    shell: Shell,
}

fn data_bytes(data: &JsValue) -> usize {
    if let Some(s) = data.as_string() {
        s.len()
    } else if let Some(b) = data.dyn_ref::<js_sys::ArrayBuffer>() {
        b.byte_length() as usize
    } else if let Some(b) = data.dyn_ref::<web_sys::Blob>() {
        b.size() as usize
    } else {
        // A view: `byteLength` (a getter of the user's object, read before any borrow).
        let n = Reflect::get(data, &"byteLength".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        if n >= usize::MAX as f64 {
            usize::MAX
        } else {
            n.max(0.0) as usize
        }
    }
}

fn read_bool(obj: &JsValue, key: &str) -> bool {
    Reflect::get(obj, &JsValue::from_str(key))
        .map(|v| v.is_truthy())
        .unwrap_or(false)
}

impl ResilientWebSocket {
    pub(crate) fn create(
        url: &JsValue,
        protocols: &JsValue,
        options: &JsValue,
    ) -> Result<Self, JsValue> {
        ensure_shims();
        let parsed = options::parse(options)?;
        let (opts, _) = options::shell_options(url, protocols, &parsed)?;
        let shell = Shell::new(parsed.config.clone(), opts);
        if let Some(t) = parsed.binary_type {
            shell.set_binary_type(t);
        }
        shell.start()?;
        Ok(ResilientWebSocket { shell })
    }

    /// Wraps an existing shell.
    pub(crate) fn from_shell(shell: Shell) -> Self {
        ResilientWebSocket { shell }
    }
}

#[wasm_bindgen]
impl ResilientWebSocket {
    /// `new ResilientWebSocket(url, protocols?, options?)`: validates as the native
    /// constructor does (throwing `SyntaxError` synchronously) and starts connecting.
    /// `url` may also be a function (returning a string or a Promise of one) called before
    /// every attempt; `protocols` likewise.
    ///
    /// @example
    /// const ws = new ResilientWebSocket('wss://example.com/socket', [], { pingInterval: 20000 });
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string | URL | (() => string | Promise<string>)")]
        url: JsValue,
        // A plain value, not an `Option`: wasm-bindgen would read `null` as "absent", and
        // WebIDL converts it to the subprotocol "null", as the native constructor does.
        #[wasm_bindgen(
            unchecked_optional_param_type = "string | string[] | (() => string | string[] | Promise<string | string[]>)"
        )]
        protocols: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ResilientWebSocketOptions")]
        options: JsValue,
    ) -> Result<ResilientWebSocket, JsValue> {
        let options = if options.is_null() {
            JsValue::UNDEFINED
        } else {
            options
        };
        if url.is_undefined() {
            return Err(type_error(
                "Failed to construct 'ResilientWebSocket': 1 argument required, but only 0 present.",
            ));
        }
        // `new ResilientWebSocket(url, options)` is accepted too when the second argument
        // is a plain options object (not a protocols array).
        let looks_like_options = options.is_undefined()
            && protocols.is_object()
            && !protocols.is_array()
            && !protocols.is_function()
            && js_sys::try_iter(&protocols).ok().flatten().is_none();
        if looks_like_options {
            return Self::create(&url, &JsValue::UNDEFINED, &protocols);
        }
        Self::create(&url, &protocols, &options)
    }

    /// Internal: the client's listener state, for `events.js`.
    #[wasm_bindgen(js_name = __rwsState, skip_typescript)]
    pub fn js_state(&self) -> JsValue {
        self.shell.js_state().clone().into()
    }

    /// Internal: the numeric attributes, for the accessors `events.js` defines on the
    /// prototype (one entry point instead of one export each): 0 `readyState`,
    /// 1 `bufferedAmount`, 2 `queuedAmount`, 3 `queuedBytes`, 4 `reconnectAttempt`,
    /// 5 `lockReconnect`, 6 `userClose` (booleans as 0/1), 7 `rtt` (NaN for none: null in JS).
    #[wasm_bindgen(js_name = __rwsNum, skip_typescript)]
    pub fn num(&self, k: u32) -> f64 {
        let s = &self.shell;
        match k {
            0 => s.ready_state().into(),
            1 => s.buffered_amount(),
            2 => s.with_engine(|e| e.queue().len() as f64),
            3 => s.with_engine(|e| e.queue().bytes() as f64),
            4 => s.with_engine(|e| e.attempt()).into(),
            5 => u8::from(s.lock_reconnect()).into(),
            6 => u8::from(s.user_close()).into(),
            _ => s.rtt().map_or(f64::NAN, |r| r as f64),
        }
    }

    /// Internal: the string attributes, as [`ResilientWebSocket::num`]: 0 `url`,
    /// 1 `protocol`, 2 `extensions`, 3 `binaryType`, 4 `state`, 5 `sharedRole` (or null).
    #[wasm_bindgen(js_name = __rwsStr, skip_typescript)]
    pub fn text(&self, k: u32) -> JsValue {
        let s = &self.shell;
        match k {
            0 => s.url().into(),
            1 => s.protocol().into(),
            2 => s.extensions().into(),
            3 => match s.binary_type() {
                web_sys::BinaryType::Arraybuffer => "arraybuffer".into(),
                _ => "blob".into(),
            },
            4 => s.phase().name().into(),
            _ => match s.shared_role() {
                None => JsValue::NULL,
                Some(true) => "leader".into(),
                Some(false) => "follower".into(),
            },
        }
    }

    /// Internal: the `binaryType` setter. Invalid values are ignored, as natively.
    #[wasm_bindgen(js_name = __rwsBinaryType, skip_typescript)]
    pub fn set_binary_type(&self, v: JsValue) {
        if let Some(t) = v.as_string().and_then(|s| options::binary_type(&s)) {
            self.shell.set_binary_type(t);
        }
    }

    /// Internal: `send` after `events.js` converted the data as the native `send` does.
    /// Sends a string, ArrayBuffer, ArrayBufferView or Blob. While not open the message is
    /// queued (up to `maxQueued`), unless `{ queue: false }` is passed or `maxQueued` is 0:
    /// then, as natively, `InvalidStateError` while CONNECTING. After the user closed, the
    /// data is discarded and `bufferedAmount` grows, as natively.
    #[wasm_bindgen(js_name = __rwsSend, skip_typescript)]
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResilientWebSocketData")] data: JsValue,
        options: Option<SendOptions>,
    ) -> Result<(), JsValue> {
        let options = arg(options);
        let queue = options.is_undefined() || {
            let q = Reflect::get(&options, &"queue".into()).unwrap_or(JsValue::UNDEFINED);
            q.is_undefined() || q.is_truthy()
        };
        self.shell.send(&data, queue, || data_bytes(&data))
    }

    /// `close(code?, reason?, { clearQueue? })` with the native validation: code 1000 or
    /// 3000–4999 (`InvalidAccessError`), reason at most 123 UTF-8 bytes (`SyntaxError`).
    /// Stops the heartbeat and every reconnect; `reconnect()` opens again.
    #[wasm_bindgen(js_name = __rwsClose, skip_typescript)]
    pub fn close(&self, code: JsValue, reason: JsValue, options: JsValue) -> Result<(), JsValue> {
        // Plain values, as WebIDL converts them: only `undefined` means "absent"; `null` is
        // the code 0 (InvalidAccessError) and the reason "null", as natively.
        let code = if code.is_undefined() {
            None
        } else {
            Some(crate::validate::to_number(&code)?)
        };
        let code = crate::validate::close_code(code).map_err(|e| to_js(&e))?;
        let reason = if reason.is_undefined() {
            String::new()
        } else {
            crate::validate::to_dom_string(&reason, "reason")?
        };
        crate::validate::close_reason(&reason).map_err(|e| to_js(&e))?;
        let clear = !options.is_undefined() && read_bool(&options, "clearQueue");
        self.shell.close(code, &reason, clear);
        Ok(())
    }

    /// Internal (`reconnect()` / `open()` in `events.js`): reconnects; a no-op while a
    /// reconnect is scheduled or a socket is connecting (`lockReconnect`); replaces an
    /// open socket at once; after `close()` clears `userClose` and connects at once.
    #[wasm_bindgen(js_name = __rwsReconnect, skip_typescript)]
    pub fn reconnect(&self) {
        self.shell.reconnect();
    }

    /// Empties the send queue and returns what it held, in order.
    #[wasm_bindgen(js_name = clearQueue, unchecked_return_type = "ResilientWebSocketData[]")]
    pub fn clear_queue(&self) -> js_sys::Array {
        self.shell.clear_queue().into_iter().collect()
    }

    /// Heartbeat and reconnect timing, in `performance.now()` milliseconds (null when not
    /// applicable): `{ now, lastPingAt, lastPongAt, nextPingAt, pongDeadline, reconnectAt }`.
    #[wasm_bindgen(js_name = timing, unchecked_return_type = "{ now: number; lastPingAt: number | null; lastPongAt: number | null; nextPingAt: number | null; pongDeadline: number | null; reconnectAt: number | null }")]
    pub fn timing(&self) -> JsValue {
        let o = Object::new();
        let set = |k: &str, v: Option<u64>| {
            let v = v
                .map(|x| JsValue::from_f64(x as f64))
                .unwrap_or(JsValue::NULL);
            let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
        };
        set("now", Some(crate::browser::now()));
        self.shell.with_engine(|e| {
            set("lastPingAt", e.last_ping_at());
            set("lastPongAt", e.last_pong_at());
            let open = e.phase() == Phase::Open;
            set("nextPingAt", e.next_ping_at().filter(|_| open));
            set("pongDeadline", e.pong_deadline().filter(|_| open));
            set(
                "reconnectAt",
                e.reconnect_at().filter(|_| e.phase() == Phase::Waiting),
            );
        });
        o.into()
    }

    /// How many clients (of every kind, in this module) exist right now: a client that
    /// was closed and dropped by JS is freed (after garbage collection), with its socket,
    /// timer and listeners.
    #[wasm_bindgen(getter = liveClients, js_name = liveClients)]
    pub fn live_clients() -> u32 {
        crate::browser::live_clients()
    }

    /// The registry: the same live client for the same key (default key: the URL); a client
    /// closed for good is reopened (`reconnect()`), never replaced by a second one.
    /// `getInstance(url)` or `getInstance({ url, protocols?, key?, ...options })`.
    ///
    /// @example
    /// const ws = ResilientWebSocket.getInstance({ url: 'wss://example.com/socket', shared: true });
    #[wasm_bindgen(js_name = getInstance, unchecked_return_type = "ResilientWebSocket")]
    pub fn get_instance(
        #[wasm_bindgen(unchecked_param_type = "string | ResilientWebSocketInstanceOptions")]
        key_or_options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let args = instance_args(&key_or_options)?;
        let (url, protocols, options) = (args.get(0), args.get(1), args.get(2));
        let key = args.get(3).as_string().unwrap_or_default();
        if let Some((shell, js, created_with)) = registry::get(&key) {
            // Options apply when the client is created: differing ones are said, once.
            warn_ignored_options(&key, &options, &created_with.unwrap_or(JsValue::UNDEFINED));
            return Ok(match js {
                Some(js) => js,
                None => {
                    // Registered by the Rust API: its JS object, made once.
                    ensure_shims();
                    let js: JsValue = ResilientWebSocket::from_shell(shell).into();
                    registry::set_js(&key, js.clone());
                    js
                }
            });
        }
        let client = Self::create(&url, &protocols, &options)?;
        let shell = client.shell.clone();
        let js: JsValue = client.into();
        registry::insert(key, shell, Some(js.clone()), Some(options));
        Ok(js)
    }

    /// Closes the registry's client for `key` (a URL or a custom key) and forgets it; the
    /// next `getInstance` for that key creates a fresh client. With `client`, only if that
    /// client is the one registered under `key` (so that code disposing the client it got
    /// never closes a newer one registered since). Returns whether one was disposed.
    #[wasm_bindgen(js_name = disposeInstance)]
    pub fn dispose_instance(
        key: String,
        #[wasm_bindgen(unchecked_optional_param_type = "ResilientWebSocket")] client: Option<
            Object,
        >,
    ) -> bool {
        let resolved = crate::validate::resolve_url(&JsValue::from_str(&key)).ok();
        let only: Option<JsValue> = client.map(Into::into);
        registry::dispose(&key, resolved.as_deref(), only.as_ref())
    }
}
