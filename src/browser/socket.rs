//! One underlying `web_sys::WebSocket` and its four closures, as one RAII value.

use std::rc::Weak;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

use super::Inner;
use crate::engine::SocketId;

type Handler<E> = Closure<dyn FnMut(E)>;

/// One socket event handler: forwards to the shell through a weak reference (the socket
/// does not keep the client alive), tagged with the socket's id.
fn handler<E>(
    inner: &Weak<Inner>,
    id: SocketId,
    f: fn(&std::rc::Rc<Inner>, SocketId, E),
) -> Handler<E>
where
    E: wasm_bindgen::convert::FromWasmAbi + 'static,
{
    let w = inner.clone();
    Closure::new(move |ev: E| {
        if let Some(i) = w.upgrade() {
            f(&i, id, ev);
        }
    })
}

/// The live socket. Dropping it detaches every handler (`onX = null`) before the closures
/// drop, so a superseded socket can never deliver an event nor call a dropped closure.
pub(crate) struct SocketSlot {
    pub(crate) id: SocketId,
    pub(crate) ws: WebSocket,
    _onopen: Handler<Event>,
    _onmessage: Handler<MessageEvent>,
    _onerror: Handler<Event>,
    _onclose: Handler<CloseEvent>,
}

impl SocketSlot {
    /// Opens a socket and wires its handlers to the shell (through a weak reference: the
    /// socket does not keep the client alive).
    pub(crate) fn open(
        inner: &Weak<Inner>,
        js: &js_sys::Object,
        id: SocketId,
        (url, protocols): (&str, &js_sys::Array),
        ctor: Option<&js_sys::Function>,
        binary_type: web_sys::BinaryType,
        shared: bool,
    ) -> Result<Self, JsValue> {
        let ws = match ctor {
            None => WebSocket::new_with_str_sequence(url, protocols)?,
            // The `WebSocket` option (e.g. the `ws` package in Node): the same interface,
            // used through the same structural bindings.
            Some(f) => {
                let args = js_sys::Array::of2(&JsValue::from_str(url), protocols);
                js_sys::Reflect::construct(f, &args)?.unchecked_into::<WebSocket>()
            }
        };
        ws.set_binary_type(binary_type);
        let onopen = handler(inner, id, super::on_open);
        let onmessage = handler(inner, id, super::on_message);
        let onerror = handler(inner, id, super::on_error);
        let onclose = handler(inner, id, super::on_close);
        // The JS handler calls `onmessage` (Rust) only while Rust must see messages.
        let handler =
            super::events::make_message_handler(js, onmessage.as_ref(), ctor.is_some(), shared);
        ws.set_onmessage(Some(&handler));
        if ctor.is_some() {
            let dom = |c: &JsValue| super::events::foreign_handler(c);
            ws.set_onopen(Some(&dom(onopen.as_ref())));
            ws.set_onerror(Some(&dom(onerror.as_ref())));
            ws.set_onclose(Some(&dom(onclose.as_ref())));
        } else {
            ws.set_onopen(Some(onopen.as_ref().unchecked_ref()));
            ws.set_onerror(Some(onerror.as_ref().unchecked_ref()));
            ws.set_onclose(Some(onclose.as_ref().unchecked_ref()));
        }
        Ok(Self {
            id,
            ws,
            _onopen: onopen,
            _onmessage: onmessage,
            _onerror: onerror,
            _onclose: onclose,
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        // A socket dropped while still connecting or open would otherwise stay open with
        // nobody listening: close it (no-op when already closing or closed).
        if self.ws.ready_state() < WebSocket::CLOSING {
            let _ = self.ws.close();
        }
    }
}
