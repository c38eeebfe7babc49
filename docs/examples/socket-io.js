import { io, WebSocket as WebSocketTransport } from 'socket.io-client';
import { ResilientWebSocket } from 'resilient-ws';

// socket.io's server pings (every 25 s by default) and its client answers: ours only
// listens (passive) and drops a link that stays silent for 25 s + 5 s. socket.io
// reconnects by itself, so ours does not.
export const SocketIoSocket = ResilientWebSocket.withOptions({
  reconnect: false,
  pingMessage: null,
  pingInterval: 25000,
  pongTimeout: 5000,
});

// engine.io's WebSocket transport, with its socket made by `Socket`.
export function resilientTransport(Socket = SocketIoSocket) {
  return class ResilientTransport extends WebSocketTransport {
    createSocket(uri, protocols) {
      return new Socket(uri, protocols);
    }
  };
}

export function socketIo(url, options) {
  return io(url, { transports: [resilientTransport()], ...options });
}
