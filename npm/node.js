// The package entry for Node (>= 20): the WebAssembly module is read from disk and
// instantiated synchronously. Node has no WebSocket before v22: pass one from the `ws`
// package as the `WebSocket` option.
import { readFileSync } from 'node:fs';
import { initSync } from './resilient_ws.js';

initSync({ module: readFileSync(new URL('./resilient_ws_bg.wasm', import.meta.url)) });

export * from './resilient_ws.js';
/** Already done by this module; kept for code written against the explicit `init()`. */
export { default as init, initSync } from './resilient_ws.js';
