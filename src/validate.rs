//! Input validation with the native `WebSocket`'s rules and error names. The pure parts
//! (close codes, reasons, subprotocol tokens, URL scheme/fragment rules) are tested on the
//! host; URL parsing itself uses the browser's own `URL` parser.

use crate::engine::{Error, ErrorKind};

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
            format!(
                "Failed to execute 'close': the close code must be either 1000, or between \
                 3000 and 4999. {} is neither.",
                display_number(raw)
            ),
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
            format!(
                "Failed to execute 'close': the close reason must not be greater than 123 \
                 UTF-8 bytes (it is {} bytes).",
                reason.len()
            ),
        ));
    }
    Ok(())
}

/// RFC 7230 `tchar`: what a subprotocol name may contain.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The subprotocol list: each a non-empty token, no duplicates.
pub fn protocol_list(list: &[String]) -> Result<(), Error> {
    for (i, p) in list.iter().enumerate() {
        if p.is_empty() || !p.chars().all(is_tchar) {
            return Err(Error::new(
                ErrorKind::Syntax,
                format!(
                    "Failed to construct 'ResilientWebSocket': the subprotocol '{p}' is invalid: a \
                     subprotocol must be a non-empty token (letters, digits and \
                     !#$%&'*+-.^_`|~, no spaces or separators)."
                ),
            ));
        }
        if list.iter().take(i).any(|q| q == p) {
            return Err(Error::new(
                ErrorKind::Syntax,
                format!(
                    "Failed to construct 'ResilientWebSocket': the subprotocol '{p}' is duplicated; \
                     each subprotocol may appear once."
                ),
            ));
        }
    }
    Ok(())
}

/// Scheme and fragment rules on an already parsed URL: `ws:`/`wss:` kept, `http:`/`https:`
/// mapped to `ws:`/`wss:`, anything else refused; a fragment is refused. Returns the
/// final URL.
pub fn url_parts(href: &str, protocol: &str, hash: &str, original: &str) -> Result<String, Error> {
    if !hash.is_empty() || href.ends_with('#') {
        return Err(Error::new(
            ErrorKind::Syntax,
            format!(
                "Failed to construct 'ResilientWebSocket': the URL '{original}' contains a fragment \
                 identifier ('{hash}'). Fragment identifiers are not allowed in WebSocket URLs."
            ),
        ));
    }
    let rest = href.get(protocol.len()..).unwrap_or("");
    match protocol {
        "ws:" | "wss:" => Ok(href.to_owned()),
        "http:" => Ok(format!("ws:{rest}")),
        "https:" => Ok(format!("wss:{rest}")),
        _ => Err(Error::new(
            ErrorKind::Syntax,
            format!(
                "Failed to construct 'ResilientWebSocket': the URL's scheme must be 'ws', 'wss', \
                 'http' or 'https'; '{}' is not allowed (URL '{original}').",
                protocol.trim_end_matches(':')
            ),
        )),
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = String, catch)]
        fn js_string(v: &JsValue) -> Result<String, JsValue>;
        #[wasm_bindgen(js_name = Number, catch)]
        fn js_number(v: &JsValue) -> Result<f64, JsValue>;
    }

    /// `Number(v)`, as WebIDL's numeric conversion does (a Symbol or BigInt gives NaN here).
    pub fn to_number(v: &JsValue) -> f64 {
        v.as_f64()
            .unwrap_or_else(|| js_number(v).unwrap_or(f64::NAN))
    }

    /// `String(v)`, as WebIDL's DOMString conversion does (a Symbol is a `TypeError`).
    pub fn to_dom_string(v: &JsValue, what: &str) -> Result<String, Error> {
        if let Some(s) = v.as_string() {
            return Ok(s);
        }
        js_string(v).map_err(|_| {
            Error::new(
                ErrorKind::Type,
                format!("{what} cannot be converted to a string"),
            )
        })
    }

    /// Parses `url` with the browser's URL parser against the page's address, then applies
    /// the WebSocket rules. Returns the final `ws:`/`wss:` URL.
    pub fn resolve_url(url: &JsValue) -> Result<String, Error> {
        let original = to_dom_string(url, "the URL")?;
        let base = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .or_else(|| {
                js_sys::Reflect::get(&js_sys::global(), &"location".into())
                    .ok()
                    .and_then(|l| l.dyn_into::<js_sys::Object>().ok())
                    .map(|l| String::from(l.to_string()))
            });
        let parsed = match &base {
            Some(b) => web_sys::Url::new_with_base(&original, b),
            None => web_sys::Url::new(&original),
        };
        let parsed = parsed.map_err(|_| {
            Error::new(
                ErrorKind::Syntax,
                format!(
                    "Failed to construct 'ResilientWebSocket': the URL '{original}' is invalid: it \
                     must be an absolute ws://, wss://, http:// or https:// URL, or a path \
                     relative to the page."
                ),
            )
        })?;
        url_parts(
            &parsed.href(),
            &parsed.protocol(),
            &parsed.hash(),
            &original,
        )
    }

    /// The `protocols` argument: undefined → none; a string → one; a sequence → each
    /// converted to a string. Validated; returned as a JS array for `new WebSocket`.
    pub fn protocols(v: &JsValue) -> Result<js_sys::Array, Error> {
        let list: Vec<String> = if v.is_undefined() {
            Vec::new()
        } else if v.is_null() {
            // Not an object, so WebIDL converts it to the string "null", as natively.
            vec!["null".to_owned()]
        } else if let Some(a) = v.dyn_ref::<js_sys::Array>() {
            let mut out = Vec::with_capacity(a.length() as usize);
            for item in a.iter() {
                out.push(to_dom_string(&item, "a subprotocol")?);
            }
            out
        } else if v.is_string() {
            vec![to_dom_string(v, "the subprotocol")?]
        } else if v.is_object() && !v.is_function() {
            // Any other iterable (a Set, …) is a sequence too.
            match js_sys::try_iter(v) {
                Ok(Some(it)) => {
                    let mut out = Vec::new();
                    for item in it {
                        let item = item.map_err(|_| {
                            Error::new(ErrorKind::Type, "the protocols iterable threw")
                        })?;
                        out.push(to_dom_string(&item, "a subprotocol")?);
                    }
                    out
                }
                _ => vec![to_dom_string(v, "the subprotocol")?],
            }
        } else {
            vec![to_dom_string(v, "the subprotocol")?]
        };
        protocol_list(&list)?;
        Ok(list.iter().map(|s| JsValue::from_str(s)).collect())
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

    #[test]
    fn protocols_must_be_unique_non_empty_tokens() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(protocol_list(&l(&["echo", "chat.v2", "a!#$%&'*+-.^_`|~"])).is_ok());
        for bad in [&["a", "a"][..], &[""], &["a b"], &["a,b"], &["é"], &["x/y"]] {
            let e = protocol_list(&l(bad)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Syntax, "{bad:?}");
        }
        assert!(protocol_list(&l(&["a", "a"]))
            .unwrap_err()
            .message
            .contains("duplicated"));
        assert!(protocol_list(&l(&["a b"]))
            .unwrap_err()
            .message
            .contains("token"));
        // Case differs: not a duplicate.
        assert!(protocol_list(&l(&["Echo", "echo"])).is_ok());
    }

    #[test]
    fn url_scheme_and_fragment_rules() {
        assert_eq!(url_parts("ws://h/x", "ws:", "", "").unwrap(), "ws://h/x");
        assert_eq!(
            url_parts("http://h/x", "http:", "", "").unwrap(),
            "ws://h/x"
        );
        assert_eq!(
            url_parts("https://h/x", "https:", "", "").unwrap(),
            "wss://h/x"
        );
        let e = url_parts("ftp://h/x", "ftp:", "", "ftp://h/x").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(e.message.contains("'ftp'"));
        let e = url_parts("ws://h/x#f", "ws:", "#f", "ws://h/x#f").unwrap_err();
        assert!(e.message.contains("fragment"));
        assert!(url_parts("ws://h/x#", "ws:", "", "ws://h/x#").is_err());
    }
}
