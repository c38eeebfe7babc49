// The package entry for browsers and bundlers: loads the WebAssembly module once, with a
// top-level await, so that `import { ResilientWebSocket } from 'resilient-ws'` is ready to
// use. The wasm URL is written as `new URL(…, import.meta.url)`, which Vite, webpack 5,
// Rollup, esbuild and browsers without a bundler all resolve.
import init from './resilient_ws.js';

await init({ module_or_path: new URL('./resilient_ws_bg.wasm', import.meta.url) });

export * from './resilient_ws.js';
/** Already done by this module; kept for code written against the explicit `init()`. */
export { default as init, initSync } from './resilient_ws.js';
