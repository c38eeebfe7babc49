//! Input validation with the native `WebSocket`'s rules and error names. Close codes and
//! reasons are checked here (tested on the host); the URL and subprotocol rules are in
//! `src/input.js` (the browser's own `URL` parser, `String(v)`, iterables: JS-shaped work,
//! 6.5 KB of wasm as Rust — issue 12), which the JS facade and the Rust API both call.

use crate::engine::{Error, ErrorKind};
use crate::text::{message, Part::N, Part::S};

/// `close(code)`: WebIDL `[Clamp] unsigned short`, then 1000 or 3000–4999.
pub fn close_code(code: Option<f64>) -> Result<Option<u16>, Error> {
    let Some(raw) = code else { return Ok(None) };
    let clamped = if raw.is_nan() {
        0.0
    } else {
        // What Chromium does (measured: 3000.9 closes with 3000, 999.9 is refused):
        // truncation, not WebIDL's round-half-even [Clamp].
        raw.clamp(0.0, 65535.0).trunc()
    };
    let c = clamped as u16;
    if c == 1000 || (3000..=4999).contains(&c) {
        Ok(Some(c))
    } else {
        Err(Error::new(
            ErrorKind::InvalidAccess,
            message(&[
                S(
                    "Failed to execute 'close': the close code must be either 1000, or between \
                   3000 and 4999. ",
                ),
                S(&display_number(raw)),
                S(" is neither."),
            ]),
        ))
    }
}

/// A number as JS's `String(n)` spells it for whole numbers (route keys such as `200`).
pub fn number_key(x: f64) -> String {
    display_number(x)
}

pub use crate::text::number_text;

fn display_number(x: f64) -> String {
    number_text(x)
}

/// `close(code, reason)`: the reason is at most 123 bytes of UTF-8.
pub fn close_reason(reason: &str) -> Result<(), Error> {
    if reason.len() > 123 {
        return Err(Error::new(
            ErrorKind::Syntax,
            message(&[
                S(
                    "Failed to execute 'close': the close reason must not be greater than 123 \
                   UTF-8 bytes (it is ",
                ),
                N(reason.len() as u64),
                S(" bytes)."),
            ]),
        ));
    }
    Ok(())
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/input.js")]
    extern "C" {
        /// Parses `url` with the browser's URL parser against the page's address and applies
        /// the WebSocket rules (`ws:`/`wss:`, `http(s):` mapped, no fragment); the final URL,
        /// or the `SyntaxError`/`TypeError` the native constructor would throw.
        #[wasm_bindgen(js_name = resolveUrl, catch)]
        pub fn resolve_url(url: &JsValue) -> Result<String, JsValue>;
        /// The `protocols` argument (undefined, a string, an array or other iterable) as the
        /// array of subprotocol names for `new WebSocket`, each a token, none twice; or the
        /// error the native constructor would throw.
        #[wasm_bindgen(js_name = protocolList, catch)]
        pub fn protocols(v: &JsValue) -> Result<js_sys::Array, JsValue>;
        /// WebIDL's DOMString conversion (a Symbol is a `TypeError` naming `what`).
        #[wasm_bindgen(js_name = domString, catch)]
        pub fn to_dom_string(v: &JsValue, what: &str) -> Result<String, JsValue>;
        /// WebIDL's numeric conversion, ToNumber (a Symbol or a BigInt is a `TypeError`).
        #[wasm_bindgen(js_name = toNumber, catch)]
        pub fn to_number(v: &JsValue) -> Result<f64, JsValue>;
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{protocols, resolve_url, to_dom_string, to_number};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_follow_the_platform() {
        for ok in [1000.0, 3000.0, 4999.0, 1000.4, 3999.5] {
            assert!(close_code(Some(ok)).is_ok(), "{ok}");
        }
        // Truncated, as Chromium does (measured: 3000.9 → 3000, 999.9 refused).
        assert_eq!(close_code(Some(3999.5)).unwrap(), Some(3999));
        assert_eq!(close_code(Some(3000.9)).unwrap(), Some(3000));
        assert!(close_code(Some(999.9)).is_err());
        assert_eq!(close_code(None).unwrap(), None);
        for bad in [
            0.0,
            999.0,
            1001.0,
            1004.0,
            2999.0,
            5000.0,
            f64::NAN,
            -1.0,
            70000.0,
        ] {
            let e = close_code(Some(bad)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidAccess, "{bad}");
            assert!(e.message.contains("1000"), "{}", e.message);
            assert!(e.message.contains("3000 and 4999"), "{}", e.message);
        }
        assert!(close_code(Some(2999.0))
            .unwrap_err()
            .message
            .contains("2999 is neither"));
    }

    #[test]
    fn close_reason_is_at_most_123_utf8_bytes() {
        assert!(close_reason(&"a".repeat(123)).is_ok());
        let e = close_reason(&"a".repeat(124)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(e.message.contains("123"));
        // 41 × 3-byte characters = 123 bytes; 42 = 126.
        assert!(close_reason(&"€".repeat(41)).is_ok());
        assert!(close_reason(&"€".repeat(42)).is_err());
    }
}
