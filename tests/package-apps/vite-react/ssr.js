// Server-side rendering in Node: `resilient-ws/react` imported (the `node` condition), a
// component that uses the hook rendered with react-dom/server. No client and no socket
// may exist on the server. Run: node ssr.js ws://…/echo?tag=… ; prints the markup, then
// the number of clients the module made.
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { ReadyState, useResilientWebSocket } from 'resilient-ws/react';
import { ResilientWebSocket } from 'resilient-ws';

const url = process.argv[2];
function Page() {
  const { readyState, state, getWebSocket, sendMessage } = useResilientWebSocket(url, { share: true });
  sendMessage('not on the server'); // does nothing, does not throw
  return h('p', { id: 'state' }, `${readyState === ReadyState.UNINSTANTIATED ? 'uninstantiated' : readyState} ${state} ${getWebSocket() === null}`);
}
console.log(renderToString(h(Page)));
console.log(`clients: ${ResilientWebSocket.liveClients}`);
