// esbuild entry: partysocket's WebSocket class (the default export of partysocket/ws).
export { default as WebSocket } from 'partysocket/ws';
