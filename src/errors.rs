//! Engine errors as JS error objects named like the platform's.

use wasm_bindgen::prelude::*;

use crate::engine::{Error, ErrorKind};

/// A JS error for `e`: `TypeError` / `RangeError` as ECMAScript errors, the others as
/// `DOMException`s with the platform's name (what a native `WebSocket` throws).
pub fn to_js(e: &Error) -> JsValue {
    match e.kind {
        ErrorKind::Type => js_sys::TypeError::new(&e.message).into(),
        ErrorKind::Range => js_sys::RangeError::new(&e.message).into(),
        kind => {
            match web_sys::DomException::new_with_message_and_name(&e.message, kind.js_name()) {
                Ok(d) => d.into(),
                Err(_) => {
                    let err = js_sys::Error::new(&e.message);
                    err.set_name(kind.js_name());
                    err.into()
                }
            }
        }
    }
}

/// Shorthand: a `TypeError` with this message.
pub fn type_error(msg: impl Into<String>) -> JsValue {
    to_js(&Error::new(ErrorKind::Type, msg))
}
