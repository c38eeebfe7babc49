import { createClient } from 'graphql-ws';
import { ResilientWebSocket } from 'resilient-ws';

// graphql-ws retries by itself; ours adds the dead-link check, in the protocol's own ping.
function GraphqlSocket(url, protocols) {
  return new ResilientWebSocket(url, protocols, {
    reconnect: false,
    pingMessage: '{"type":"ping"}',
    pongMessage: '{"type":"pong"}',
    hidePongs: true,
  });
}
Object.assign(GraphqlSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });

export function graphqlClient(url) {
  return createClient({ url, webSocketImpl: GraphqlSocket });
}
