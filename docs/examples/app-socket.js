import { ResilientWebSocket } from 'resilient-ws';

// Libraries call `new C(url, protocols)`. A function that returns the client binds the
// options: `new` on a function that returns an object gives that object.
export function AppSocket(url, protocols) {
  return new ResilientWebSocket(url, protocols, { reconnect: false, pingInterval: 20000 });
}
Object.assign(AppSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
