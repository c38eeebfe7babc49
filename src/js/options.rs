//! Reading the JS options object: every option type-checked with a message that names it
//! and says what is allowed. Unknown option names are reported with `console.warn` (a typo
//! should not break a running app, but must not pass silently either).

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::BinaryType;

use crate::browser::{ProtocolsSource, ShellOptions, UrlSource};
use crate::engine::config::MAX_DELAY_MS;
use crate::engine::{Config, Error, ErrorKind, OverflowPolicy};

/// The options the constructor understands.
pub const KNOWN: &[&str] = &[
    "pingInterval",
    "pongTimeout",
    "pingMessage",
    "pongMessage",
    "isPong",
    "hidePongs",
    "reconnect",
    "reconnectDelay",
    "backoffFactor",
    "maxReconnectDelay",
    "jitter",
    "maxRetries",
    "connectTimeout",
    "closeTimeout",
    "shouldReconnect",
    "maxQueued",
    "maxQueuedBytes",
    "overflow",
    "binaryType",
    "json",
    "routeBy",
    "bfcache",
    "WebSocket",
    "shared",
    // Read by getInstance only.
    "key",
    "url",
    "protocols",
];

pub use crate::engine::config::DEFAULT_PING_MESSAGE as DEFAULT_PING;

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

struct Reader<'a> {
    obj: Option<&'a Object>,
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if v.is_array() {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

impl Reader<'_> {
    fn get(&self, key: &str) -> Result<Option<JsValue>, Error> {
        let Some(o) = self.obj else { return Ok(None) };
        let v = Reflect::get(o, &JsValue::from_str(key))
            .map_err(|_| Error::new(ErrorKind::Type, format!("reading option '{key}' threw")))?;
        Ok((!v.is_undefined()).then_some(v))
    }

    fn millis(&self, key: &str, min: u64) -> Result<Option<u64>, Error> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        let Some(n) = v.as_f64() else {
            return Err(Error::new(
                ErrorKind::Type,
                format!(
                    "option '{key}' must be a number of milliseconds, not {}",
                    type_name(&v)
                ),
            ));
        };
        if !n.is_finite() || n < min as f64 || n > MAX_DELAY_MS as f64 {
            return Err(Error::new(
                ErrorKind::Range,
                format!(
                    "option '{key}' is {}; allowed: {min} to {MAX_DELAY_MS} milliseconds",
                    crate::validate::number_text(n)
                ),
            ));
        }
        Ok(Some(n.round() as u64))
    }

    fn count(&self, key: &str, allow_infinity: bool) -> Result<Option<f64>, Error> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        let Some(n) = v.as_f64() else {
            return Err(Error::new(
                ErrorKind::Type,
                format!("option '{key}' must be a number, not {}", type_name(&v)),
            ));
        };
        let ok =
            n >= 0.0 && (n.is_finite() && n == n.trunc() || allow_infinity && n == f64::INFINITY);
        if !ok || (n.is_finite() && n > u32::MAX as f64) {
            return Err(Error::new(
                ErrorKind::Range,
                format!(
                    "option '{key}' is {}; allowed: a whole number from 0 to {}{}",
                    crate::validate::number_text(n),
                    u32::MAX,
                    if allow_infinity { " or Infinity" } else { "" }
                ),
            ));
        }
        Ok(Some(n))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, Error> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        v.as_bool().map(Some).ok_or_else(|| {
            Error::new(
                ErrorKind::Type,
                format!(
                    "option '{key}' must be true or false, not {}",
                    type_name(&v)
                ),
            )
        })
    }

    fn function(&self, key: &str) -> Result<Option<Function>, Error> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        v.dyn_into::<Function>().map(Some).map_err(|v| {
            Error::new(
                ErrorKind::Type,
                format!("option '{key}' must be a function, not {}", type_name(&v)),
            )
        })
    }

    fn message(&self, key: &str) -> Result<Option<JsValue>, Error> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        if v.is_string() || v.is_instance_of::<js_sys::ArrayBuffer>() {
            Ok(Some(v))
        } else {
            Err(Error::new(
                ErrorKind::Type,
                format!(
                    "option '{key}' must be a string (or an ArrayBuffer), not {}",
                    type_name(&v)
                ),
            ))
        }
    }
}

/// Parses `binaryType`'s value: `"blob"` or `"arraybuffer"`.
pub fn binary_type(v: &str) -> Option<BinaryType> {
    match v {
        "blob" => Some(BinaryType::Blob),
        "arraybuffer" => Some(BinaryType::Arraybuffer),
        _ => None,
    }
}

/// Reads and validates the options object (`undefined`/`null` → all defaults).
pub fn parse(options: &JsValue) -> Result<Parsed, Error> {
    let obj = if options.is_undefined() || options.is_null() {
        None
    } else if options.is_object() && !options.is_function() {
        Some(options.unchecked_ref::<Object>())
    } else {
        return Err(Error::new(
            ErrorKind::Type,
            format!("options must be an object, not {}", type_name(options)),
        ));
    };
    if let Some(o) = obj {
        for k in Object::keys(o).iter() {
            let k = k.as_string().unwrap_or_default();
            if !KNOWN.contains(&k.as_str()) {
                web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "resilient-ws: unknown option '{k}' is ignored; known options: {}",
                    KNOWN.join(", ")
                )));
            }
        }
    }
    let r = Reader { obj };
    let mut c = Config::default();
    if let Some(v) = r.millis("pingInterval", 0)? {
        c.ping_interval = v;
    }
    if let Some(v) = r.millis("pongTimeout", 1)? {
        c.pong_timeout = v;
    }
    if let Some(v) = r.boolean("reconnect")? {
        // Without reconnect the queue defaults to off (Config::max_queued_len).
        c.reconnect = v;
    }
    if let Some(v) = r.millis("reconnectDelay", 0)? {
        c.reconnect_delay = v;
    }
    if let Some(v) = r.millis("maxReconnectDelay", 0)? {
        c.max_reconnect_delay = v;
    }
    if let Some(v) = r.millis("connectTimeout", 0)? {
        c.connect_timeout = v;
    }
    // Unset: derived by Config::close_timeout_ms (0 without a heartbeat).
    c.close_timeout = r.millis("closeTimeout", 0)?;
    if let Some(v) = r.get("backoffFactor")? {
        let n = v.as_f64().ok_or_else(|| {
            Error::new(
                ErrorKind::Type,
                format!(
                    "option 'backoffFactor' must be a number, not {}",
                    type_name(&v)
                ),
            )
        })?;
        c.backoff_factor = n;
    }
    if let Some(v) = r.boolean("jitter")? {
        c.jitter = v;
    }
    if let Some(n) = r.count("maxRetries", true)? {
        c.max_retries = n.is_finite().then_some(n as u32);
    }
    if let Some(n) = r.count("maxQueued", false)? {
        c.max_queued = Some(n as usize);
    }
    if let Some(n) = r.count("maxQueuedBytes", false)? {
        c.max_queued_bytes = n as usize;
    }
    if let Some(v) = r.boolean("bfcache")? {
        c.bfcache = v;
    }
    if let Some(v) = r.get("overflow")? {
        c.overflow = v
            .as_string()
            .and_then(|s| OverflowPolicy::parse(&s))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Type,
                    "option 'overflow' must be 'drop-oldest', 'drop-newest' or 'error'",
                )
            })?;
    }
    c.validate()?;
    let binary = match r.get("binaryType")? {
        None => None,
        Some(v) => Some(v.as_string().and_then(|s| binary_type(&s)).ok_or_else(|| {
            Error::new(
                ErrorKind::Type,
                "option 'binaryType' must be 'blob' or 'arraybuffer'",
            )
        })?),
    };
    let route_by = match r.get("routeBy")? {
        None => None,
        Some(v) => {
            let path = v
                .as_string()
                .filter(|s| !s.is_empty() && s.split('.').all(|p| !p.is_empty()));
            Some(
                path.ok_or_else(|| {
                    Error::new(
                        ErrorKind::Type,
                        "option 'routeBy' must be a field name or a dotted path such as \
                         'event' or 'extend.code'",
                    )
                })?
                .split('.')
                .map(str::to_owned)
                .collect(),
            )
        }
    };
    let json = r.boolean("json")?.unwrap_or(false) || route_by.is_some();
    Ok(Parsed {
        json,
        route_by,
        config: c,
        ping_message: r
            .message("pingMessage")?
            .unwrap_or_else(|| JsValue::from_str(DEFAULT_PING)),
        pong_message: r.message("pongMessage")?,
        is_pong: r.function("isPong")?,
        hide_pongs: r.boolean("hidePongs")?.unwrap_or(false),
        should_reconnect: r.function("shouldReconnect")?,
        binary_type: binary,
        socket_ctor: socket_ctor(&r)?,
        shared: r.boolean("shared")?.unwrap_or(false),
        key: match r.get("key")? {
            None => None,
            Some(v) => Some(
                v.as_string()
                    .ok_or_else(|| Error::new(ErrorKind::Type, "option 'key' must be a string"))?,
            ),
        },
    })
}

/// The `WebSocket` option, or the global `WebSocket`; a clear `TypeError` where neither
/// exists (Node before 22, other runtimes without a page).
fn socket_ctor(r: &Reader) -> Result<Option<Function>, Error> {
    if let Some(f) = r.function("WebSocket")? {
        return Ok(Some(f));
    }
    let global = Reflect::get(&js_sys::global(), &JsValue::from_str("WebSocket"))
        .unwrap_or(JsValue::UNDEFINED);
    if global.is_function() {
        Ok(None)
    } else {
        Err(Error::new(
            ErrorKind::Type,
            "this runtime has no global WebSocket: pass a constructor with the WebSocket \
             interface as the option 'WebSocket', e.g. `import { WebSocket } from 'ws'` then \
             `new ResilientWebSocket(url, undefined, { WebSocket })`",
        ))
    }
}

/// Builds the shell options from the constructor's arguments.
pub fn shell_options(
    url: &JsValue,
    protocols: &JsValue,
    p: &Parsed,
) -> Result<(ShellOptions, String), Error> {
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
        shared_name(&url_src, &protocols, p.key.as_deref())?
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
