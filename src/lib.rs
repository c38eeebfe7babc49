//! # resilient-ws
//!
//! A browser WebSocket client for Rust/wasm and JS that keeps itself alive: the native
//! `WebSocket` interface, a heartbeat that tells a dead link from a sleeping tab, and a
//! `lockReconnect`-guarded reconnect that can never open two sockets.
//!
//! Layers (see the README): [`engine`] is the pure state machine (host-testable, no
//! web-sys); `browser` is the shell owning the `web_sys::WebSocket`, its closures and the
//! timer; `js` holds the `#[wasm_bindgen]` facades (`ResilientWebSocket`,
//! `websocketClass`); `client` is the Rust API.
#![deny(missing_docs)]

pub mod engine;
pub mod text;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod errors;
#[cfg(target_arch = "wasm32")]
pub mod js;

#[cfg(target_arch = "wasm32")]
pub use client::{Client, Error, Event, Events, Message, Options, Sender, State};
