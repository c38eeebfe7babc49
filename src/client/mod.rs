//! The Rust API: a typed client for Rust/wasm apps (Leptos, Yew, Dioxus, plain
//! wasm-bindgen), standing on the browser shell as the JS class does.
//!
//! ```no_run
//! use futures::{SinkExt, StreamExt};
//! use resilient_ws::{Client, Event, Message, Options};
//!
//! # async fn run() -> Result<(), resilient_ws::Error> {
//! let client = Client::connect("wss://example.com/socket", Options::new())?;
//! let (mut tx, mut events) = client.split();
//! tx.send(Message::Text("hello".into())).await?;          // queued until open
//! while let Some(ev) = events.next().await {
//!     match ev {
//!         Event::Message(m) => web_sys::console::log_1(&format!("{m:?}").into()),
//!         Event::Reconnecting { attempt, delay } => { /* show it */ let _ = (attempt, delay); }
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Ownership: the handles returned by [`Client::connect`] (and their clones, and the
//! halves of [`Client::split`]) own the client; when the last one is dropped the client
//! is closed and freed, as gloo-net's socket is. The `&Client` a callback receives does not
//! own it, so a callback cannot keep a dropped client alive (capturing an owning clone in a
//! callback would: an `Rc` cycle). Clients from [`Client::get_instance`] are owned by the
//! registry until [`Client::dispose_instance`].
//!
//! Binary messages arrive as `ArrayBuffer` (copied once into [`Message::Binary`]); the raw
//! browser events, for zero-copy access, are there through [`Client::on`].

mod error;
mod event;
mod options;
mod stream;

use std::rc::Rc;

use js_sys::Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::BinaryType;

use crate::browser::{registry, ProtocolsSource, Shell, ShellOptions, UrlSource};
pub use error::Error;
pub use event::{Event, Message, State};
use options::Heartbeat;
pub use options::Options;
pub use stream::{Events, Sender};

/// Identifies a callback added with [`Client::on`] or [`Client::on_event`], for
/// [`Client::off`].
///
/// ```no_run
/// # use resilient_ws::{Client, Options};
/// # let client = Client::connect("wss://example.com/socket", Options::new())?;
/// let id: resilient_ws::ListenerId = client.on_event(|_, _| {});
/// client.off(id);
/// # Ok::<(), resilient_ws::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenerId(crate::browser::ListenerId);

/// A resilient WebSocket client. Cloning shares it; dropping the last owning handle closes
/// it (see the module docs).
///
/// ```no_run
/// # use resilient_ws::{Client, Options};
/// # let client = Client::connect("wss://example.com/socket", Options::new())?;
/// let same = client.clone(); // shares the client; both handles own it
/// assert!(same.same_client(&client));
/// drop(client);
/// drop(same); // the last owning handle: the client closes (1000) and is freed
/// # Ok::<(), resilient_ws::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    shell: Shell,
    /// Kept only for its `Drop`: the last owning handle closes the client.
    owner: Option<Rc<Owner>>,
}

/// Closes the client when the last owning handle is dropped.
struct Owner(Shell);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.close(Some(1000), "", false);
    }
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.url())
            .field("state", &self.state())
            .finish()
    }
}

impl Client {
    fn open(url: &str, options: &Options) -> Result<Shell, Error> {
        options.config.validate()?;
        let resolved = crate::validate::resolve_url(&JsValue::from_str(url))
            .map_err(|e| Error::from_js(&e))?;
        let protocols: Array = options
            .protocols
            .iter()
            .map(|p| JsValue::from_str(p))
            .collect();
        let protocols = crate::validate::protocols(&protocols).map_err(|e| Error::from_js(&e))?;
        let shared = if options.shared {
            let key = options.key.clone().unwrap_or_else(|| {
                crate::browser::link::default_key(
                    &resolved,
                    options.protocols.iter().map(String::as_str),
                )
            });
            crate::browser::link::channel_name(&key)
        } else {
            None
        };
        let mut config = options.config.clone();
        config.passive = options.ping_message == Heartbeat::Passive;
        let shell = Shell::new(
            config,
            ShellOptions {
                url: UrlSource::Fixed(resolved),
                protocols: ProtocolsSource::Fixed(protocols),
                ping_message: options.ping_message.to_js(),
                pong_message: options.pong_message.as_ref().map(Heartbeat::to_js),
                is_pong: None,
                hide_pongs: options.hide_pongs,
                should_reconnect: None,
                json: false,
                route_by: None,
                socket_ctor: None,
                shared,
            },
        );
        shell.set_binary_type(BinaryType::Arraybuffer);
        shell.start().map_err(|e| Error::from_js(&e))?;
        Ok(shell)
    }

    fn handle(shell: Shell, owner: Option<Rc<Owner>>) -> Client {
        Client { shell, owner }
    }

    /// Validates the URL and options as the JS constructor does (same errors, same
    /// messages) and starts connecting. The handle and its clones own the client.
    ///
    /// ```no_run
    /// use resilient_ws::{Client, Options};
    ///
    /// let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// assert!(client.is_owner()); // dropping the last owning handle closes it
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn connect(url: &str, options: Options) -> Result<Client, Error> {
        let shell = Self::open(url, &options)?;
        let owner = Some(Rc::new(Owner(shell.clone())));
        Ok(Self::handle(shell, owner))
    }

    /// The registry: one client per key (the resolved URL, or [`Options::key`]) for the
    /// whole page, shared with JS's `ResilientWebSocket.getInstance` (a client registered
    /// by either is found by the other). `options` apply only when the client is created.
    ///
    /// ```no_run
    /// use resilient_ws::{Client, Options};
    ///
    /// let a = Client::get_instance("wss://example.com/socket", Options::new())?;
    /// let b = Client::get_instance("wss://example.com/socket", Options::new())?;
    /// assert!(a.same_client(&b)); // one client per key, JS's getInstance included
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn get_instance(url: &str, options: Options) -> Result<Client, Error> {
        let key = match &options.key {
            Some(k) => k.clone(),
            None => crate::validate::resolve_url(&JsValue::from_str(url))
                .map_err(|e| Error::from_js(&e))?,
        };
        if let Some((shell, _, _)) = registry::get(&key) {
            return Ok(Self::handle(shell, None));
        }
        let shell = Self::open(url, &options)?;
        registry::insert(key, shell.clone(), None, None);
        Ok(Self::handle(shell, None))
    }

    /// Closes and forgets the registry's client for `key` (a URL or a custom key).
    /// Returns whether there was one.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// let _ = Client::get_instance("wss://example.com/socket", Options::new())?;
    /// assert!(Client::dispose_instance("wss://example.com/socket")); // closed and forgotten
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn dispose_instance(key: &str) -> bool {
        let resolved = crate::validate::resolve_url(&JsValue::from_str(key)).ok();
        registry::dispose(key, resolved.as_deref(), None)
    }

    /// A non-owning handle to the same client (what callbacks receive).
    fn weak_handle(shell: &Rc<crate::browser::Inner>) -> Client {
        Self::handle(Shell(shell.clone()), None)
    }

    /// Calls `f` with every typed [`Event`], in order, with a non-owning `&Client` (call
    /// the client from the callback through it, not through a captured clone).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// use resilient_ws::Event;
    ///
    /// let id = client.on_event(|client, ev| {
    ///     if let Event::Open = ev {
    ///         let _ = client.send("hello"); // the &Client given, not a captured clone
    ///     }
    /// });
    /// client.off(id);
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn on_event(&self, mut f: impl FnMut(&Client, &Event) + 'static) -> ListenerId {
        let weak = Rc::downgrade(&self.shell.0);
        ListenerId(
            self.shell
                .add_rust_listener_types(event::TYPES, move |e: web_sys::Event| {
                    if let (Some(inner), Some(ev)) = (weak.upgrade(), Event::from_dom(&e)) {
                        f(&Self::weak_handle(&inner), &ev)
                    }
                }),
        )
    }

    /// The escape hatch: calls `f` with the browser's own event for one event type
    /// (`"message"` gives the socket's `MessageEvent`, data not copied; custom events such
    /// as `"reconnecting"` carry their fields on the event).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let id = client.on("message", |_client, e| {
    ///     // the browser's own MessageEvent, data not copied
    ///     let _ = e.type_();
    /// });
    /// client.off(id);
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn on(
        &self,
        event: &str,
        mut f: impl FnMut(&Client, &web_sys::Event) + 'static,
    ) -> ListenerId {
        let weak = Rc::downgrade(&self.shell.0);
        ListenerId(self.shell.add_rust_listener(event, move |e| {
            if let Some(inner) = weak.upgrade() {
                f(&Self::weak_handle(&inner), &e)
            }
        }))
    }

    /// Removes a callback.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let id = client.on_event(|_, _| {});
    /// client.off(id); // the callback will not run again
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn off(&self, id: ListenerId) {
        self.shell.remove_rust_listener(id.0);
    }

    /// JSON routing: calls `f` with every JSON message whose field at `path` (a name or a
    /// dotted path such as `"extend.code"`) equals `value`, deserialised as `T` (a message
    /// that does not deserialise is skipped). The seeds' pattern of routing by an `event`
    /// field, typed.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// #[derive(serde::Deserialize)]
    /// struct Connect {
    ///     user: String,
    /// }
    /// // {"event": "CONNECT", "user": "ana"} -> Connect { user: "ana" }
    /// client.route("event", "CONNECT", |_client, v: Connect| {
    ///     let _ = v.user;
    /// });
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn route<T: DeserializeOwned + 'static>(
        &self,
        path: &str,
        value: &str,
        mut f: impl FnMut(&Client, T) + 'static,
    ) -> ListenerId {
        let path: Vec<String> = path.split('.').map(str::to_owned).collect();
        let value = value.to_owned();
        self.on_event(move |c, ev| {
            let Event::Message(Message::Text(text)) = ev else {
                return;
            };
            let Ok(parsed) = js_sys::JSON::parse(text) else {
                return;
            };
            let mut field = parsed.clone();
            for seg in &path {
                field = js_sys::Reflect::get(&field, &JsValue::from_str(seg))
                    .unwrap_or(JsValue::UNDEFINED);
            }
            let key = field
                .as_string()
                .or_else(|| field.as_f64().map(crate::text::number_text))
                .or_else(|| field.as_bool().map(|b| b.to_string()));
            if key.as_deref() != Some(value.as_str()) {
                return;
            }
            if let Ok(v) = serde_wasm_bindgen::from_value::<T>(parsed) {
                f(c, v)
            }
        })
    }

    /// Every event from now on, as a `Stream` (see [`Events`]: bounded, 256 events).
    ///
    /// ```no_run
    /// # use futures::StreamExt;
    /// # use resilient_ws::{Client, Options, Event};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let mut events = client.events();
    /// wasm_bindgen_futures::spawn_local(async move {
    ///     while let Some(ev) = events.next().await {
    ///         if let Event::HeartbeatTimeout = ev { /* the link was dead */ }
    ///     }
    /// });
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn events(&self) -> Events {
        Events::new(&self.shell, stream::DEFAULT_CAPACITY, None)
    }

    /// Like [`Client::events`], keeping at most `capacity` unread events (the oldest are
    /// dropped beyond that, and counted by [`Events::dropped`]).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let events = client.events_with_capacity(16); // keep at most 16 unread events
    /// assert_eq!(events.dropped(), 0);
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn events_with_capacity(&self, capacity: usize) -> Events {
        Events::new(&self.shell, capacity.max(1), None)
    }

    /// A `Sink<Message>` for this client (an owning handle: see [`Sender`]).
    ///
    /// ```no_run
    /// # use futures::SinkExt;
    /// # use resilient_ws::{Client, Message, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let mut tx = client.sender();
    /// wasm_bindgen_futures::spawn_local(async move {
    ///     // waits while the send queue is full
    ///     let _ = tx.send(Message::Text("hello".into())).await;
    /// });
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn sender(&self) -> Sender {
        Sender::new(self.clone())
    }

    /// The sending and the receiving halves, independent of each other; either keeps the
    /// client alive (`let (_, events) = client.split();` keeps receiving), and closing the
    /// [`Sender`] (`SinkExt::close`) closes the client, after which the [`Events`] stream
    /// ends. An owning handle's halves own the client; a non-owning handle's (from
    /// [`Client::get_instance`] or a callback) do not.
    ///
    /// ```no_run
    /// # use futures::{SinkExt, StreamExt};
    /// # use resilient_ws::{Client, Event, Message, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let (mut tx, mut events) = client.split();
    /// wasm_bindgen_futures::spawn_local(async move {
    ///     while let Some(ev) = events.next().await {
    ///         if let Event::Open = ev {
    ///             let _ = tx.send(Message::Text("hello".into())).await;
    ///         }
    ///     }
    /// });
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn split(self) -> (Sender, Events) {
        let owner = self.owner.is_some().then(|| self.clone());
        let events = Events::new(&self.shell, stream::DEFAULT_CAPACITY, owner);
        (Sender::new(self), events)
    }

    /// A shared client ([`Options::shared`]): `Some(true)` while this tab owns the socket,
    /// `Some(false)` while it follows another tab's; `None` for a client alone with its
    /// socket (not shared, or where the platform cannot share).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// let client = Client::connect("wss://example.com/socket", Options::new().shared(true))?;
    /// match client.is_leader() {
    ///     Some(true) => { /* this tab owns the socket */ }
    ///     Some(false) => { /* another tab does */ }
    ///     None => { /* not shared */ }
    /// }
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn is_leader(&self) -> Option<bool> {
        self.shell.shared_role()
    }

    /// Sends a message: at once while open, queued in order while connecting or waiting to
    /// reconnect (bounded by the options); discarded after [`Client::close`], as natively.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// client.send("hello")?; // &str and String: text
    /// client.send(vec![1u8, 2, 3])?; // Vec<u8>: binary
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn send(&self, message: impl Into<Message>) -> Result<(), Error> {
        let m = message.into();
        let n = m.len();
        self.shell
            .send(&m.to_js(), true, || n)
            .map_err(|e| Error::from_js(&e))
    }

    /// Sends `value` as JSON text (`serde` + `serde-wasm-bindgen`, then `JSON.stringify`).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// #[derive(serde::Serialize)]
    /// struct Hello {
    ///     request: &'static str,
    /// }
    /// client.send_json(&Hello { request: "hello" })?; // sends {"request":"hello"}
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn send_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        let v = serde_wasm_bindgen::to_value(value).map_err(|e| Error::Json(e.to_string()))?;
        let text = js_sys::JSON::stringify(&v)
            .map_err(|_| Error::Json("the value cannot be written as JSON".into()))?;
        let text = String::from(text);
        self.send(Message::Text(text))
    }

    /// Sends any JS value a `WebSocket` accepts (a string, `ArrayBuffer`, view or `Blob`)
    /// without copying it; `bytes` is its size for the queue's byte bound.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let data = js_sys::Uint8Array::from(&[1u8, 2, 3][..]);
    /// client.send_js(&data, 3)?; // sent as is, 3 bytes for the queue's bound
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn send_js(&self, data: &JsValue, bytes: usize) -> Result<(), Error> {
        self.shell
            .send(data, true, || bytes)
            .map_err(|e| Error::from_js(&e))
    }

    /// Closes for good (no reconnect), with the native validation of code and reason.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// client.close(Some(1000), "bye")?; // no reconnect
    /// assert!(client.close(Some(1234), "").is_err()); // InvalidAccess, as natively
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn close(&self, code: Option<u16>, reason: &str) -> Result<(), Error> {
        let code = crate::validate::close_code(code.map(f64::from))?;
        crate::validate::close_reason(reason)?;
        self.shell.close(code, reason, false);
        Ok(())
    }

    /// Reconnects now (a no-op while a reconnect is scheduled or a socket is connecting:
    /// `lockReconnect`); reopens after [`Client::close`].
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// client.close(None, "")?;
    /// client.reconnect(); // opens again
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn reconnect(&self) {
        self.shell.reconnect();
    }

    /// The native `readyState` (0 connecting … 3 closed).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// if client.ready_state() == 1 { /* OPEN */ }
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn ready_state(&self) -> u16 {
        self.shell.ready_state()
    }

    /// The client's state (finer than `readyState`: `Waiting` is "closed, reconnecting").
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// use resilient_ws::State;
    ///
    /// if client.state() == State::Waiting { /* closed; a reconnect is scheduled */ }
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn state(&self) -> State {
        self.shell.phase()
    }

    /// The round-trip time of the last answered ping (`None` before the first pong, and
    /// with the passive heartbeat). Each answered ping is also an [`Event::Pong`].
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// if let Some(rtt) = client.rtt() { /* show the link's latency */ }
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn rtt(&self) -> Option<std::time::Duration> {
        self.shell.rtt().map(std::time::Duration::from_millis)
    }

    /// The resolved URL.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// assert_eq!(client.url(), "wss://example.com/socket");
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn url(&self) -> String {
        self.shell.url()
    }

    /// The subprotocol the server selected.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let chosen = client.protocol(); // "" until open, or when none was chosen
    /// let _ = chosen;
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn protocol(&self) -> String {
        self.shell.protocol()
    }

    /// Bytes sent but not yet transmitted (as the native `bufferedAmount`).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let pending = client.buffered_amount();
    /// let _ = pending;
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn buffered_amount(&self) -> f64 {
        self.shell.buffered_amount()
    }

    /// Whether two handles share one client.
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// let other = client.clone();
    /// assert!(client.same_client(&other));
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn same_client(&self, other: &Client) -> bool {
        Rc::ptr_eq(&self.shell.0, &other.shell.0)
    }

    /// Whether this handle owns the client (see the module docs).
    ///
    /// ```no_run
    /// # use resilient_ws::{Client, Options};
    /// # let client = Client::connect("wss://example.com/socket", Options::new())?;
    /// assert!(client.is_owner()); // from connect: owns the client
    /// # Ok::<(), resilient_ws::Error>(())
    /// ```
    pub fn is_owner(&self) -> bool {
        self.owner.is_some()
    }

    pub(crate) fn shell(&self) -> &Shell {
        &self.shell
    }
}
