import { ResilientWebSocket } from 'resilient-ws';

// Libraries call `new C(url, protocols)`: withOptions gives a subclass with the options
// bound. The library reconnects by itself, so ours does not; ours adds the heartbeat.
export const AppSocket = ResilientWebSocket.withOptions({ reconnect: false, pingInterval: 20000 });
