//! Bindings to `events.js`: the listener lists and the DOM dispatch algorithm, in JS.
//! Every function here may run user code; the shell calls them only between borrows.

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/browser/events.js")]
extern "C" {
    #[wasm_bindgen(js_name = newState)]
    pub(crate) fn new_state(json: bool, route_by: &JsValue) -> Object;
    #[wasm_bindgen(js_name = setAlive)]
    pub(crate) fn set_alive(st: &Object, alive: bool);
    #[wasm_bindgen(js_name = setSlow)]
    pub(crate) fn set_slow(st: &Object, slow: bool);
    #[wasm_bindgen(js_name = deliver)]
    pub(crate) fn deliver(st: &Object, e: &web_sys::Event);
    #[wasm_bindgen(js_name = deliverCustom)]
    pub(crate) fn deliver_custom(st: &Object, kind: u32, a: &JsValue, b: &JsValue);
    #[wasm_bindgen(js_name = deliverClose)]
    pub(crate) fn deliver_close(st: &Object, code: u16, reason: &str, was_clean: bool);
    #[wasm_bindgen(js_name = deliverMessage)]
    pub(crate) fn deliver_message(st: &Object, e: &web_sys::MessageEvent);
    #[wasm_bindgen(js_name = openSocket, catch)]
    pub(crate) fn open_socket(
        st: &Object,
        url: &str,
        protocols: &js_sys::Array,
        ctor: &JsValue,
        binary_type: &str,
        shared: bool,
        cb: &JsValue,
    ) -> Result<web_sys::WebSocket, JsValue>;
    #[wasm_bindgen(js_name = sameBytes)]
    pub(crate) fn same_bytes(data: &JsValue, pong: &JsValue) -> bool;
    #[wasm_bindgen(js_name = orphaned)]
    pub(crate) fn orphaned(st: &Object, url: &str) -> bool;
    #[wasm_bindgen(js_name = detachSocket)]
    pub(crate) fn detach_socket(ws: &web_sys::WebSocket);
    #[wasm_bindgen(js_name = pageState)]
    pub(crate) fn page_state() -> u32;
    #[wasm_bindgen(js_name = watchPage)]
    pub(crate) fn watch_page(cb: &JsValue) -> Function;
    #[wasm_bindgen(js_name = verdict)]
    pub(crate) fn verdict(st: &Object, f: &Function, e: &JsValue) -> i32;
    #[wasm_bindgen(js_name = resolveSources)]
    pub(crate) fn resolve_sources(url: &JsValue, protocols: &JsValue, done: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = cancelSources)]
    pub(crate) fn cancel_sources(ticket: &JsValue);
    #[wasm_bindgen(js_name = addRustListener)]
    pub(crate) fn add_rust_listener(st: &Object, ty: &str, f: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = removeRustListener)]
    pub(crate) fn remove_rust_listener(st: &Object, entry: &JsValue);
    #[wasm_bindgen(js_name = installPrototype)]
    pub(crate) fn install_prototype(proto: &JsValue);
    #[wasm_bindgen(js_name = installSeed)]
    pub(crate) fn install_seed(proto: &JsValue);
    #[wasm_bindgen(js_name = seedNew, catch)]
    pub(crate) fn seed_new(that_vue: &JsValue, url: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = seedConfigure)]
    pub(crate) fn seed_configure(options: &JsValue);
    #[wasm_bindgen(js_name = discardedBytes)]
    pub(crate) fn discarded_bytes(n: f64) -> f64;
    #[wasm_bindgen(js_name = setRelay)]
    pub(crate) fn set_relay(st: &Object, relay: &JsValue);
    #[wasm_bindgen(js_name = setMute)]
    pub(crate) fn set_mute(st: &Object, mute: bool);
    #[wasm_bindgen(js_name = setToBlob)]
    pub(crate) fn set_to_blob(st: &Object, to_blob: bool);
    #[wasm_bindgen(js_name = deliverRelayed)]
    pub(crate) fn deliver_relayed(st: &Object, data: &JsValue, url: &str);
}
