// esbuild entry: reconnecting-websocket's class (its default export).
export { default as WebSocket } from 'reconnecting-websocket';
