import { createClient } from 'graphql-ws';
import { ResilientWebSocket } from 'resilient-ws';

// graphql-ws retries by itself; ours adds the dead-link check, in the protocol's own ping.
export const GraphqlSocket = ResilientWebSocket.withOptions({
  reconnect: false,
  pingMessage: '{"type":"ping"}',
  pongMessage: '{"type":"pong"}',
  hidePongs: true,
});

export function graphqlClient(url) {
  return createClient({ url, webSocketImpl: GraphqlSocket });
}
