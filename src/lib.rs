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
pub mod shared;
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

/// The allocator: talc instead of the default dlmalloc, 4.9 KB smaller in the release wasm
/// (1.8 KB gzip; issue 12's measurements). `new_global` is sound here: wasm32 has one
/// thread, and this is the only instance.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
