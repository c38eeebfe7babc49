//! The page-wide registry (one client per key), shared by the JS facade's
//! `getInstance`/`disposeInstance` and the Rust API's `Client::get_instance`: a client
//! registered from either side is found from the other.
//!
//! Each entry holds the client's shell and, once JS has asked for it, its JS object (so
//! that JS always gets the same object back). No user code runs while the registry is
//! borrowed: lookups return clones, and closing happens after the entry is removed.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use super::Shell;

struct Entry {
    key: String,
    shell: Shell,
    js: Option<JsValue>,
    /// The options object JS created it with (to tell a later `getInstance` whose options
    /// differ that they are ignored).
    opts: Option<JsValue>,
}

thread_local! {
    static REGISTRY: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// The registered client for `key`: its shell, its JS object if JS has one, and the
/// options JS created it with. The registry hands out live clients: one closed for good
/// (its user's `close()`, a refused reconnect, `maxRetries`) is reopened first (its
/// `reconnect()`), so that a key never has two clients, nor two sockets.
pub fn get(key: &str) -> Option<(Shell, Option<JsValue>, Option<JsValue>)> {
    let found = REGISTRY.with(|r| {
        r.borrow()
            .iter()
            .find(|e| e.key == key)
            .map(|e| (e.shell.clone(), e.js.clone(), e.opts.clone()))
    })?;
    // (Read after the registry's borrow: the shell has its own state.)
    if found.0.phase() == crate::engine::Phase::Closed {
        found.0.reconnect();
    }
    Some(found)
}

/// Registers `shell` under `key` (with its JS object and options, if it has them).
pub fn insert(key: String, shell: Shell, js: Option<JsValue>, opts: Option<JsValue>) {
    REGISTRY.with(|r| {
        r.borrow_mut().push(Entry {
            key,
            shell,
            js,
            opts,
        })
    });
}

/// Records the JS object made for the client registered under `key`.
pub fn set_js(key: &str, js: JsValue) {
    REGISTRY.with(|r| {
        if let Some(e) = r.borrow_mut().iter_mut().find(|e| e.key == key) {
            e.js = Some(js);
        }
    });
}

/// Removes the entry whose key is `key` or `alt` (and, with `only`, whose JS object is
/// that one); returns its shell and JS object.
pub fn remove(
    key: &str,
    alt: Option<&str>,
    only: Option<&JsValue>,
) -> Option<(Shell, Option<JsValue>)> {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let pos = r.iter().position(|e| {
            (e.key == key || Some(e.key.as_str()) == alt)
                && !matches!(only, Some(js) if e.js.as_ref() != Some(js))
        })?;
        let e = r.remove(pos);
        Some((e.shell, e.js))
    })
}

/// Closes and forgets the client registered under `key` (or `alt`, the key resolved as a
/// URL); returns whether there was one. With `only`, only if the registered client's JS
/// object is that one (a caller disposing the client it used, not a newer one registered
/// under the same key since). The close runs after the entry is removed.
pub fn dispose(key: &str, alt: Option<&str>, only: Option<&JsValue>) -> bool {
    match remove(key, alt, only) {
        Some((shell, _)) => {
            shell.close(None, "", false);
            true
        }
        None => false,
    }
}
