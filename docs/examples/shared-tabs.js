import { ResilientWebSocket } from 'resilient-ws';

// One socket for every same-origin tab whose shared client has the same key. The same with
// ResilientWebSocket.getInstance({ url, shared: true }),
// websocketClass.configure({ url, shared: true }), or in Rust
// Client::connect(url, Options::new().shared(true)).
export function sharedSocket(url) {
  const ws = new ResilientWebSocket(url, [], { shared: true });
  // ws.sharedRole: 'leader' (this tab owns the socket), 'follower', or null (not shared)
  return ws;
}
