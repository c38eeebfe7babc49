//! Event listeners with the platform's semantics: `onX` handlers and `addEventListener`
//! entries share one ordered list per type; duplicates are ignored; `once` removes before
//! the call; an exception in one listener is reported and the next still runs.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A Rust callback (the Rust API's listeners).
pub type RustCallback = Rc<RefCell<dyn FnMut(&web_sys::Event)>>;

#[derive(Clone)]
enum Callback {
    /// A JS function, or an object with `handleEvent`. Behind an `Rc` so that taking a
    /// snapshot for a dispatch costs no call into JS (cloning a `JsValue` does).
    Js(Rc<JsValue>),
    Rust(RustCallback),
}

#[derive(Clone)]
struct Entry {
    callback: Option<Callback>,
    /// The JS callback is a function (else an object with `handleEvent`): decided once,
    /// at registration, not per event.
    is_fn: bool,
    /// `None` for an `onX` handler slot.
    capture: bool,
    once: bool,
    is_attr: bool,
    id: u64,
}

/// All listeners of one client.
#[derive(Default)]
pub struct Listeners {
    by_type: Vec<(String, Vec<Entry>)>,
    next_id: u64,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = reportError, catch)]
    fn report_error(e: &JsValue) -> Result<(), JsValue>;

    /// A function seen through a `call` that returns nothing.
    type VoidFn;

    /// `f.call(this, arg)`, ignoring the result (no handle is made for it).
    #[wasm_bindgen(method, js_name = call, catch)]
    fn call(f: &VoidFn, this: &JsValue, arg: &JsValue) -> Result<(), JsValue>;
}

fn call_void(f: &JsValue, this: &JsValue, arg: &JsValue) -> Result<(), JsValue> {
    f.unchecked_ref::<VoidFn>().call(this, arg)
}

/// Reports an exception thrown by a listener the way the platform does (`window.onerror`),
/// without unwinding through the client.
pub fn report(e: &JsValue) {
    if report_error(e).is_err() {
        web_sys::console::error_1(e);
    }
}

impl Listeners {
    fn list_mut(&mut self, ty: &str) -> &mut Vec<Entry> {
        let pos = match self.by_type.iter().position(|(t, _)| t == ty) {
            Some(p) => p,
            None => {
                self.by_type.push((ty.to_owned(), Vec::new()));
                self.by_type.len() - 1
            }
        };
        &mut self.by_type[pos].1 // ok: pos is a valid index, found or just pushed
    }

    fn list(&self, ty: &str) -> Option<&Vec<Entry>> {
        self.by_type.iter().find(|(t, _)| t == ty).map(|(_, l)| l)
    }

    /// Whether anything listens for `ty`.
    pub fn has(&self, ty: &str) -> bool {
        self.list(ty).is_some_and(|l| !l.is_empty())
    }

    /// `addEventListener(type, listener, options)`. Returns the entry id (for `signal`).
    pub fn add(&mut self, ty: &str, listener: JsValue, capture: bool, once: bool) -> Option<u64> {
        let list_exists = self.list(ty).is_some_and(|l| {
            l.iter().any(|e| {
                !e.is_attr
                    && e.capture == capture
                    && matches!(&e.callback, Some(Callback::Js(f)) if **f == listener)
            })
        });
        if list_exists {
            return None;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.list_mut(ty).push(Entry {
            is_fn: listener.is_function(),
            callback: Some(Callback::Js(Rc::new(listener))),
            capture,
            once,
            is_attr: false,
            id,
        });
        Some(id)
    }

    /// Adds a Rust callback; returns its id for [`Listeners::remove_id`].
    pub fn add_rust(&mut self, ty: &str, cb: RustCallback) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.list_mut(ty).push(Entry {
            is_fn: false,
            callback: Some(Callback::Rust(cb)),
            capture: false,
            once: false,
            is_attr: false,
            id,
        });
        id
    }

    /// `removeEventListener(type, listener, options)`.
    pub fn remove(&mut self, ty: &str, listener: &JsValue, capture: bool) {
        let list = self.list_mut(ty);
        list.retain(|e| {
            e.is_attr
                || e.capture != capture
                || !matches!(&e.callback, Some(Callback::Js(f)) if **f == *listener)
        });
    }

    /// Removes the entry with this id (an aborted `signal`, or a Rust listener).
    pub fn remove_id(&mut self, id: u64) {
        for (_, l) in &mut self.by_type {
            l.retain(|e| e.id != id);
        }
    }

    /// Sets `onX`: the slot keeps its place in the list while set; `null` removes it.
    pub fn set_attr(&mut self, ty: &str, handler: Option<Function>) {
        let list = self.list_mut(ty);
        match handler {
            None => list.retain(|e| !e.is_attr),
            Some(f) => {
                if let Some(e) = list.iter_mut().find(|e| e.is_attr) {
                    e.callback = Some(Callback::Js(Rc::new(f.into())));
                    e.is_fn = true;
                } else {
                    list.push(Entry {
                        is_fn: true,
                        callback: Some(Callback::Js(Rc::new(f.into()))),
                        capture: false,
                        once: false,
                        is_attr: true,
                        id: 0,
                    });
                }
            }
        }
    }

    /// The `onX` handler, if set.
    pub fn get_attr(&self, ty: &str) -> JsValue {
        self.list(ty)
            .and_then(|l| l.iter().find(|e| e.is_attr))
            .and_then(|e| match &e.callback {
                Some(Callback::Js(f)) => Some((**f).clone()),
                _ => None,
            })
            .unwrap_or(JsValue::NULL)
    }

    /// The only listener of `ty` when it is one plain JS function (not `once`, not a
    /// listener object): what the JS fast path may call directly.
    pub fn single_fn(&self, ty: &str) -> Option<JsValue> {
        match self.list(ty).map(Vec::as_slice) {
            Some([e]) if !e.once && e.is_fn => match &e.callback {
                Some(Callback::Js(f)) => Some((**f).clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The entries to call for one dispatch, in order (`once` entries are removed now).
    fn snapshot(&mut self, ty: &str) -> Vec<Entry> {
        let Some(pos) = self.by_type.iter().position(|(t, _)| t == ty) else {
            return Vec::new();
        };
        let list = &mut self.by_type[pos].1; // ok: position() found it
        let snap = list.clone();
        if snap.iter().any(|e| e.once) {
            list.retain(|e| !e.once);
        }
        snap
    }
}

/// Calls every listener of `ty` on `this` with `event`. The registry is borrowed only to
/// take a snapshot, never while user code runs, so listeners may add/remove listeners or
/// call the client. A listener removed by an earlier one in the same dispatch is skipped.
pub fn dispatch(reg: &RefCell<Listeners>, ty: &str, this: &JsValue, event: &web_sys::Event) {
    // Fast path: one plain listener (the usual `onmessage`): no snapshot to allocate.
    let single = {
        let r = reg.borrow();
        match r.list(ty).map(Vec::as_slice) {
            Some([e]) if !e.once && e.is_fn => match &e.callback {
                Some(Callback::Js(f)) => Some(f.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    if let Some(f) = single {
        if let Err(e) = call_void(&f, this, event) {
            report(&e);
        }
        return;
    }
    let snap = reg.borrow_mut().snapshot(ty);
    for entry in snap {
        if !entry.once {
            let still_there = reg.borrow().list(ty).is_some_and(|l| {
                l.iter()
                    .any(|e| e.id == entry.id && e.is_attr == entry.is_attr)
            });
            if !still_there {
                continue;
            }
        }
        match entry.callback {
            Some(Callback::Js(f)) => {
                let res = match entry.is_fn {
                    true => call_void(&f, this, event),
                    false => {
                        // An EventListener object: call its handleEvent with `this` = it.
                        match js_sys::Reflect::get(&f, &JsValue::from_str("handleEvent")) {
                            Ok(h) => match h.dyn_ref::<Function>() {
                                Some(h) => h.call1(&f, event).map(drop),
                                None => Err(js_sys::TypeError::new(
                                    "listener is neither a function nor an object with handleEvent()",
                                )
                                .into()),
                            },
                            Err(e) => Err(e),
                        }
                    }
                };
                if let Err(e) = res {
                    report(&e);
                }
            }
            Some(Callback::Rust(cb)) => {
                // A Rust listener that re-enters itself is skipped rather than panicking.
                if let Ok(mut cb) = cb.try_borrow_mut() {
                    cb(event);
                }
            }
            None => {}
        }
    }
}
