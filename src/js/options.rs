//! The JS options object: read and type-checked by `src/input.js` (property reads,
//! `typeof`, messages — JS-shaped work, 9 KB of wasm when it was Rust; issue 12), turned
//! into the engine's [`Config`] and validated here, where every default and derived value
//! lives.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::BinaryType;

use crate::browser::{ProtocolsSource, ShellOptions, UrlSource};
use crate::engine::{Config, Error, ErrorKind, OverflowPolicy};

pub use crate::engine::config::DEFAULT_PING_MESSAGE as DEFAULT_PING;

#[wasm_bindgen(module = "/src/input.js")]
extern "C" {
    /// The engine's options as numbers (see `src/input.js`); throws the option's error.
    #[wasm_bindgen(js_name = readConfig, catch)]
    fn read_config(options: &JsValue, out: &mut [f64]) -> Result<(), JsValue>;
    /// The shell's options (see `src/input.js`); throws the option's error.
    #[wasm_bindgen(js_name = readRest, catch)]
    fn read_rest(options: &JsValue) -> Result<Array, JsValue>;
}

/// Everything the options object configures.
pub struct Parsed {
    /// Engine configuration.
    pub config: Config,
    /// Heartbeat payload and matchers.
    pub ping_message: JsValue,
    /// `pongMessage`.
    pub pong_message: Option<JsValue>,
    /// `isPong`.
    pub is_pong: Option<Function>,
    /// `hidePongs`.
    pub hide_pongs: bool,
    /// `shouldReconnect`.
    pub should_reconnect: Option<Function>,
    /// `binaryType`.
    pub binary_type: Option<BinaryType>,
    /// `json`.
    pub json: bool,
    /// `routeBy`, split at dots.
    pub route_by: Option<Vec<String>>,
    /// `WebSocket`: the constructor used for every attempt (default: the global one).
    pub socket_ctor: Option<Function>,
    /// `shared`: one socket for every tab's client of the same key.
    pub shared: bool,
    /// `key`: the registry key and the shared key (default: URL and protocols).
    pub key: Option<String>,
}

/// Parses `binaryType`'s value: `"blob"` or `"arraybuffer"`.
pub fn binary_type(v: &str) -> Option<BinaryType> {
    match v {
        "blob" => Some(BinaryType::Blob),
        "arraybuffer" => Some(BinaryType::Arraybuffer),
        _ => None,
    }
}

/// A set value (`src/input.js` writes NaN for an option that is not set).
fn set(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// Reads and validates the options object (`undefined`/`null` → all defaults). Errors are
/// JS errors (`TypeError`/`RangeError`, named like the platform's).
pub fn parse(options: &JsValue) -> Result<Parsed, JsValue> {
    let mut n = [f64::NAN; 15];
    read_config(options, &mut n)?;
    let [ping, pong, reconnect, delay, max_delay, connect, close, backoff, jitter, retries, queued, queued_bytes, bfcache, overflow, backoff_set] =
        n;
    let mut c = Config::default();
    let ms = |v: f64| v as u64;
    if let Some(v) = set(ping) {
        c.ping_interval = ms(v);
    }
    if let Some(v) = set(pong) {
        c.pong_timeout = ms(v);
    }
    if let Some(v) = set(reconnect) {
        // Without reconnect the queue defaults to off (Config::max_queued_len).
        c.reconnect = v == 1.0;
    }
    if let Some(v) = set(delay) {
        c.reconnect_delay = ms(v);
    }
    if let Some(v) = set(max_delay) {
        c.max_reconnect_delay = ms(v);
    }
    if let Some(v) = set(connect) {
        c.connect_timeout = ms(v);
    }
    // Unset: derived by Config::close_timeout_ms (0 without a heartbeat).
    c.close_timeout = set(close).map(ms);
    if backoff_set == 1.0 {
        c.backoff_factor = backoff;
    }
    if let Some(v) = set(jitter) {
        c.jitter = v == 1.0;
    }
    if let Some(v) = set(retries) {
        c.max_retries = v.is_finite().then_some(v as u32);
    }
    if let Some(v) = set(queued) {
        c.max_queued = Some(v as usize);
    }
    if let Some(v) = set(queued_bytes) {
        c.max_queued_bytes = v as usize;
    }
    if let Some(v) = set(bfcache) {
        c.bfcache = v == 1.0;
    }
    if let Some(v) = set(overflow) {
        c.overflow = match v as u8 {
            0 => OverflowPolicy::DropOldest,
            1 => OverflowPolicy::DropNewest,
            _ => OverflowPolicy::Error,
        };
    }
    c.validate().map_err(|e| crate::errors::to_js(&e))?;
    let r = read_rest(options)?;
    let at = |i: u32| r.get(i);
    let func = |i: u32| at(i).dyn_into::<Function>().ok();
    // `pingMessage: null`: the passive heartbeat.
    c.passive = at(3).is_null();
    Ok(Parsed {
        config: c,
        binary_type: match at(0).as_f64() {
            Some(0.0) => Some(BinaryType::Blob),
            Some(1.0) => Some(BinaryType::Arraybuffer),
            _ => None,
        },
        route_by: at(1)
            .dyn_into::<Array>()
            .ok()
            .map(|a| a.iter().filter_map(|s| s.as_string()).collect()),
        json: at(2).is_truthy(),
        ping_message: Some(at(3))
            .filter(|v| !v.is_undefined())
            .unwrap_or_else(|| JsValue::from_str(DEFAULT_PING)),
        pong_message: Some(at(4)).filter(|v| !v.is_undefined()),
        is_pong: func(5),
        hide_pongs: at(6).is_truthy(),
        should_reconnect: func(7),
        socket_ctor: func(8),
        shared: at(9).is_truthy(),
        key: at(10).as_string(),
    })
}

/// Builds the shell options from the constructor's arguments.
pub fn shell_options(
    url: &JsValue,
    protocols: &JsValue,
    p: &Parsed,
) -> Result<(ShellOptions, String), JsValue> {
    let (url_src, first) = if let Some(f) = url.dyn_ref::<Function>() {
        (UrlSource::Dynamic(f.clone()), String::new())
    } else {
        let u = crate::validate::resolve_url(url)?;
        (UrlSource::Fixed(u.clone()), u)
    };
    let protocols = if let Some(f) = protocols.dyn_ref::<Function>() {
        ProtocolsSource::Dynamic(f.clone())
    } else {
        ProtocolsSource::Fixed(crate::validate::protocols(protocols)?)
    };
    let shared = if p.shared {
        shared_name(&url_src, &protocols, p.key.as_deref()).map_err(|e| crate::errors::to_js(&e))?
    } else {
        None
    };
    Ok((
        ShellOptions {
            url: url_src,
            protocols,
            ping_message: p.ping_message.clone(),
            pong_message: p.pong_message.clone(),
            is_pong: p.is_pong.clone(),
            hide_pongs: p.hide_pongs,
            should_reconnect: p.should_reconnect.clone(),
            json: p.json,
            route_by: p.route_by.clone(),
            socket_ctor: p.socket_ctor.clone(),
            shared,
        },
        first,
    ))
}

/// The channel and lock name of a shared client: `resilient-ws:` and the key (default: the
/// URL and the subprotocols). `None`, with one console warning per page, where the
/// platform cannot share (no Web Locks, no BroadcastChannel, an insecure context).
fn shared_name(
    url: &UrlSource,
    protocols: &ProtocolsSource,
    key: Option<&str>,
) -> Result<Option<String>, Error> {
    let key = match (key, url, protocols) {
        (Some(k), _, _) => k.to_owned(),
        (None, UrlSource::Fixed(u), ProtocolsSource::Fixed(p)) => {
            let names: Vec<String> = p.iter().filter_map(|v| v.as_string()).collect();
            crate::browser::link::default_key(u, names.iter().map(String::as_str))
        }
        _ => {
            return Err(Error::new(
                ErrorKind::Type,
                "option 'shared' with a url or protocols function needs the option 'key' \
                 (the name every tab's client shares)",
            ))
        }
    };
    Ok(crate::browser::link::channel_name(&key))
}
