//! The Rust API: the same client as the JS class, as a Rust type.
//!
//! ```no_run
//! use resilient_ws::client::{Client, Options};
//!
//! # fn main() -> Result<(), resilient_ws::engine::Error> {
//! let client = Client::connect("wss://example.com/socket", Options::default())?;
//! // Callbacks get the client as an argument: no need to capture a clone of it.
//! client.on_message(|c, ev| {
//!     if let Some(text) = ev.data().as_string() {
//!         let _ = c.send_text(&format!("echo: {text}"));
//!     }
//! });
//! // Dropping the last `Client` handle closes the client (1000) and frees it.
//! # Ok(())
//! # }
//! ```
//!
//! Ownership: the handles returned by [`Client::connect`] (and their clones) own the client;
//! when the last one is dropped the client is closed and freed, as gloo-net's socket is.
//! The `&Client` a callback receives does not own it (nor do its clones), so a callback
//! cannot keep a dropped client alive. A callback that captures an owning clone would
//! (an `Rc` cycle: the client holds the callback, the callback the client): use the
//! argument instead. Clients from [`Client::get_instance`] are owned by the registry until
//! [`Client::dispose_instance`].

use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent};

use crate::browser::{ProtocolsSource, Shell, ShellOptions, UrlSource};
use crate::engine::{Config, Error, Phase};
use crate::js::options::DEFAULT_PING;

/// Options of the Rust client: the engine's [`Config`] plus the heartbeat payloads.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Heartbeat, reconnect and queue settings (the seed's defaults).
    pub config: Config,
    /// Subprotocols to offer.
    pub protocols: Vec<String>,
    /// What a ping sends (default `{"request":"ping"}`).
    pub ping_message: Option<String>,
    /// Only a message equal to this counts as the pong (default: every message counts).
    pub pong_message: Option<String>,
    /// Keep pongs (by `pong_message`) away from message listeners.
    pub hide_pongs: bool,
    /// Receive binary messages as `ArrayBuffer` instead of `Blob`.
    pub binary_arraybuffer: bool,
}

/// Identifies a listener added with [`Client::on`], for [`Client::off`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenerId(crate::browser::ListenerId);

/// A resilient WebSocket client for Rust/wasm code. Cloning shares the client; dropping
/// the last owning handle closes it (see the module docs).
#[derive(Clone)]
pub struct Client {
    shell: Shell,
    /// Kept only for its `Drop`: the last owning handle closes the client.
    _owner: Option<Rc<Owner>>,
}

/// Closes the client when the last owning handle is dropped.
struct Owner(Shell);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.close(Some(1000), "", false);
    }
}

impl Client {
    fn open(url: &str, options: Options) -> Result<Shell, Error> {
        options.config.validate()?;
        let resolved = crate::validate::resolve_url(&JsValue::from_str(url))?;
        crate::validate::protocol_list(&options.protocols)?;
        let protocols: Array = options
            .protocols
            .iter()
            .map(|p| JsValue::from_str(p))
            .collect();
        let shell = Shell::new(
            options.config.clone(),
            ShellOptions {
                url: UrlSource::Fixed(resolved),
                protocols: ProtocolsSource::Fixed(protocols),
                ping_message: JsValue::from_str(
                    options.ping_message.as_deref().unwrap_or(DEFAULT_PING),
                ),
                pong_message: options.pong_message.as_deref().map(JsValue::from_str),
                is_pong: None,
                hide_pongs: options.hide_pongs,
                should_reconnect: None,
                json: false,
                route_by: None,
                socket_ctor: None,
            },
        );
        if options.binary_arraybuffer {
            shell.set_binary_type(BinaryType::Arraybuffer);
        }
        shell.start().map_err(|e| {
            crate::engine::Error::new(
                crate::engine::ErrorKind::Syntax,
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "the socket could not be created".into()),
            )
        })?;
        Ok(shell)
    }

    /// Validates the URL and options as the JS constructor does and starts connecting.
    /// The handle (and its clones) own the client: dropping the last one closes it.
    pub fn connect(url: &str, options: Options) -> Result<Client, Error> {
        let shell = Self::open(url, options)?;
        let owner = Some(Rc::new(Owner(shell.clone())));
        Ok(Client {
            shell,
            _owner: owner,
        })
    }

    /// Calls `f` for every event of this type (`"open"`, `"message"`, `"close"`,
    /// `"reconnecting"`, `"heartbeat-timeout"`, …) with the client (a non-owning handle)
    /// and the event. Callbacks may call the client.
    pub fn on(
        &self,
        event: &str,
        mut f: impl FnMut(&Client, &web_sys::Event) + 'static,
    ) -> ListenerId {
        let weak = Rc::downgrade(&self.shell.0);
        ListenerId(self.shell.add_rust_listener(event, move |e| {
            if let Some(inner) = weak.upgrade() {
                let c = Client {
                    shell: Shell(inner),
                    _owner: None,
                };
                f(&c, &e)
            }
        }))
    }

    /// Removes a listener.
    pub fn off(&self, id: ListenerId) {
        self.shell.remove_rust_listener(id.0);
    }

    /// Calls `f` for every message, with the browser's own `MessageEvent`.
    pub fn on_message(&self, mut f: impl FnMut(&Client, &MessageEvent) + 'static) -> ListenerId {
        self.on("message", move |c, e| {
            if let Some(m) = e.dyn_ref::<MessageEvent>() {
                f(c, m)
            }
        })
    }

    /// Calls `f` whenever a socket opens (first connect and every reconnect).
    pub fn on_open(&self, mut f: impl FnMut(&Client) + 'static) -> ListenerId {
        self.on("open", move |c, _| f(c))
    }

    /// Calls `f` with every close event (native or synthesised by the heartbeat).
    pub fn on_close(&self, mut f: impl FnMut(&Client, &CloseEvent) + 'static) -> ListenerId {
        self.on("close", move |c, e| {
            if let Some(ev) = e.dyn_ref::<CloseEvent>() {
                f(c, ev)
            }
        })
    }

    /// Sends text (queued while not open, per the options).
    pub fn send_text(&self, text: &str) -> Result<(), JsValue> {
        let v = JsValue::from_str(text);
        self.shell.send(&v, true, || text.len())
    }

    /// Sends bytes (copied once into a JS `Uint8Array`).
    pub fn send_bytes(&self, bytes: &[u8]) -> Result<(), JsValue> {
        let v: JsValue = js_sys::Uint8Array::from(bytes).into();
        self.shell.send(&v, true, || bytes.len())
    }

    /// Sends any JS value a `WebSocket` accepts.
    pub fn send_js(&self, data: &JsValue, bytes: usize) -> Result<(), JsValue> {
        self.shell.send(data, true, || bytes)
    }

    /// Closes for good (no reconnect) with the native validation of code and reason.
    pub fn close(&self, code: Option<u16>, reason: &str) -> Result<(), Error> {
        let code = crate::validate::close_code(code.map(f64::from))?;
        crate::validate::close_reason(reason)?;
        self.shell.close(code, reason, false);
        Ok(())
    }

    /// Reconnects (no-op while `lockReconnect` holds); reopens after `close`.
    pub fn reconnect(&self) {
        self.shell.reconnect();
    }

    /// The native `readyState`.
    pub fn ready_state(&self) -> u16 {
        self.shell.ready_state()
    }

    /// The client's phase.
    pub fn phase(&self) -> Phase {
        self.shell.with_engine(|e| e.phase())
    }

    /// The resolved URL.
    pub fn url(&self) -> String {
        self.shell.url()
    }

    /// The selected subprotocol.
    pub fn protocol(&self) -> String {
        self.shell.protocol()
    }

    /// Whether two handles share one client.
    pub fn same_client(&self, other: &Client) -> bool {
        Rc::ptr_eq(&self.shell.0, &other.shell.0)
    }

    /// The registry: the same client for the same key, across the whole page (shared with
    /// JS's `ResilientWebSocket.getInstance`).
    pub fn get_instance(url: &str, options: Options) -> Result<Client, Error> {
        let key = crate::validate::resolve_url(&JsValue::from_str(url))?;
        if let Some(shell) = crate::js::registry_shell(&key) {
            return Ok(Client {
                shell,
                _owner: None,
            });
        }
        // The registry owns it (until dispose_instance), not the handle.
        let shell = Self::open(url, options)?;
        crate::js::registry_insert(key, shell.clone());
        Ok(Client {
            shell,
            _owner: None,
        })
    }

    /// Closes and forgets the registry's client for `key`. Returns whether one existed.
    pub fn dispose_instance(key: &str) -> bool {
        crate::js::ResilientWebSocket::dispose_instance(key.to_owned())
    }
}
