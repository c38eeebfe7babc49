import { Client } from '@stomp/stompjs';
import { ResilientWebSocket } from 'resilient-ws';

// STOMP has no ping that the broker answers, but a broker sends heart-beats (an EOL) at
// the negotiated rate: ours only listens (passive) and drops a link that stays silent for
// the heart-beat interval + 5 s. stompjs reconnects by itself, so ours does not.
export const StompSocket = ResilientWebSocket.withOptions({
  reconnect: false,
  pingMessage: null,
  pingInterval: 10000, // the broker's heart-beat interval
  pongTimeout: 5000,
});

export function stompClient(url, options, Socket = StompSocket) {
  return new Client({
    webSocketFactory: () => new Socket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    heartbeatIncoming: 10000, // ask the broker for heart-beats
    ...options,
  });
}
