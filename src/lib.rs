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
pub use client::{Client, Error, Event, Events, ListenerId, Message, Options, Sender, State};

/// The Rust examples of `README.md` and `docs/rust.md`, compiled as doctests for
/// `wasm32-unknown-unknown` (`cargo test --doc --target wasm32-unknown-unknown -- --skip
/// engine::`, a layer of `scripts/test`): an example there that does not compile is a
/// failing test.
#[cfg(all(doctest, target_arch = "wasm32"))]
#[doc = include_str!("../README.md")]
#[doc = include_str!("../docs/rust.md")]
pub struct DocsExamples;

/// The allocator: lol_alloc's free list (first fit, sorted by address, neighbours coalesced
/// on free: it does not leak) instead of the default dlmalloc (talc before it: 1.8 KB gzip
/// smaller than dlmalloc; this one is another 1.4 KB smaller — issue 12's measurements). Its
/// O(free-list length) cost suits this heap: a few hundred small, long-lived allocations,
/// no message data (messages stay JS values). `AssumeSingleThreaded` is sound here: this
/// wasm module runs on one thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
