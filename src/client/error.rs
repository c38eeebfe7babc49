//! The Rust API's error type.

use wasm_bindgen::{JsCast, JsValue};

/// Everything the Rust API can fail with. The first five variants are the JS errors of
/// the same name (what the JS class throws for the same input, with the same message);
/// [`Error::Json`] is a serde failure of [`crate::Client::send_json`] or
/// [`crate::Message::json`].
///
/// ```no_run
/// use resilient_ws::{Client, Error, Options};
///
/// match Client::connect("ftp://example.com/", Options::new()) {
///     Err(Error::Syntax(message)) => { let _ = message; } // the JS SyntaxError's message
///     Err(other) => { let _ = other; }
///     Ok(client) => drop(client), // an ftp: URL is refused, so not here
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// `TypeError`: a value of the wrong type.
    Type(String),
    /// `RangeError`: a value out of range (an option; a full queue with `overflow: Error`).
    Range(String),
    /// `SyntaxError`: a malformed URL, subprotocol or close reason.
    Syntax(String),
    /// `InvalidAccessError`: a close code the platform does not allow.
    InvalidAccess(String),
    /// `InvalidStateError`: not allowed now (sending while connecting without a queue, a
    /// [`crate::Sender`] after the client closed).
    InvalidState(String),
    /// A message could not be serialised or deserialised as JSON.
    Json(String),
}

impl Error {
    /// The JS error name this error corresponds to (`"Json"` for serde failures).
    ///
    /// ```no_run
    /// # use resilient_ws::Error;
    /// assert_eq!(Error::Range("…".into()).name(), "RangeError");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Error::Type(_) => "TypeError",
            Error::Range(_) => "RangeError",
            Error::Syntax(_) => "SyntaxError",
            Error::InvalidAccess(_) => "InvalidAccessError",
            Error::InvalidState(_) => "InvalidStateError",
            Error::Json(_) => "Json",
        }
    }

    /// The message.
    ///
    /// ```no_run
    /// # use resilient_ws::Error;
    /// assert_eq!(Error::Type("bad".into()).message(), "bad");
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Error::Type(m)
            | Error::Range(m)
            | Error::Syntax(m)
            | Error::InvalidAccess(m)
            | Error::InvalidState(m)
            | Error::Json(m) => m,
        }
    }

    /// An error thrown by the shell (a JS `TypeError`/`RangeError` or `DOMException`),
    /// by its name.
    pub(crate) fn from_js(e: &JsValue) -> Error {
        let (name, message) = if let Some(d) = e.dyn_ref::<web_sys::DomException>() {
            (d.name(), d.message())
        } else if let Some(err) = e.dyn_ref::<js_sys::Error>() {
            (String::from(err.name()), String::from(err.message()))
        } else {
            (String::new(), e.as_string().unwrap_or_default())
        };
        match name.as_str() {
            "RangeError" => Error::Range(message),
            "SyntaxError" => Error::Syntax(message),
            "InvalidAccessError" => Error::InvalidAccess(message),
            "InvalidStateError" => Error::InvalidState(message),
            _ => Error::Type(message),
        }
    }
}

impl From<crate::engine::Error> for Error {
    fn from(e: crate::engine::Error) -> Self {
        use crate::engine::ErrorKind as K;
        match e.kind {
            K::Type => Error::Type(e.message),
            K::Range => Error::Range(e.message),
            K::Syntax => Error::Syntax(e.message),
            K::InvalidAccess => Error::InvalidAccess(e.message),
            K::InvalidState => Error::InvalidState(e.message),
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.name(), self.message())
    }
}

impl std::error::Error for Error {}
