//! One underlying `web_sys::WebSocket` and its one closure, as one RAII value.

use std::rc::Weak;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::WebSocket;

use super::{events, Inner};
use crate::engine::SocketId;

/// The live socket. Dropping it detaches every handler (`onX = null`, in `events.js`)
/// before the closure drops, so a superseded socket can never deliver an event nor call a
/// dropped closure.
///
/// The socket itself is private: its methods may be user code (a socket from the
/// `WebSocket` option, or a global `WebSocket` replaced by a mock or polyfill), so the slot
/// hands out no reference to it while it is borrowed, only a cloned handle
/// ([`SocketSlot::handle`]) to call after the borrow (`socket_call` in the shell).
pub(crate) struct SocketSlot {
    pub(crate) id: SocketId,
    ws: WebSocket,
    _events: Closure<dyn FnMut(u8, JsValue)>,
}

impl SocketSlot {
    /// Opens a socket and wires its handlers to the shell (through a weak reference: the
    /// socket does not keep the client alive), tagged with the socket's id. One closure
    /// takes all four events (`events.js` `openSocket`: 0 open, 1 message, 2 error,
    /// 3 close).
    pub(crate) fn open(
        inner: &Weak<Inner>,
        js: &js_sys::Object,
        id: SocketId,
        (url, protocols): (&str, &js_sys::Array),
        ctor: Option<&js_sys::Function>,
        binary_type: web_sys::BinaryType,
        shared: bool,
    ) -> Result<Self, JsValue> {
        let w = inner.clone();
        let handler = Closure::new(move |kind: u8, ev: JsValue| {
            let Some(i) = w.upgrade() else { return };
            match kind {
                0 => super::on_open(&i, id, ev.unchecked_into()),
                1 => super::on_message(&i, id, ev.unchecked_into()),
                2 => super::on_error(&i, id, ev.unchecked_into()),
                _ => super::on_close(&i, id, ev.unchecked_into()),
            }
        });
        let binary_type = match binary_type {
            web_sys::BinaryType::Arraybuffer => "arraybuffer",
            _ => "blob",
        };
        let ws = events::open_socket(
            js,
            url,
            protocols,
            ctor.map_or(&JsValue::UNDEFINED, |f| f.as_ref()),
            binary_type,
            shared,
            handler.as_ref(),
        )?;
        Ok(Self {
            id,
            ws,
            _events: handler,
        })
    }

    /// A handle to the socket, to call once no borrow is held.
    pub(crate) fn handle(&self) -> WebSocket {
        self.ws.clone()
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        // Also closes a socket dropped while still connecting or open, which would
        // otherwise stay open with nobody listening.
        events::detach_socket(&self.ws);
    }
}
