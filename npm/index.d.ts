export * from './resilient_ws.js';
/**
 * Loads the WebAssembly module. Importing `resilient-ws` has already done it; calling it
 * again returns the same instance. Import `resilient-ws/manual` to load it yourself.
 */
export { default as init, initSync } from './resilient_ws.js';
