// Server-side rendering in Node: `resilient-ws/vue` imported (the `node` condition), a
// component that uses the composable rendered with vue/server-renderer. No client and no
// socket may exist on the server. Run: node ssr.js ws://…/echo?tag=… ; prints the markup
// rendered without a DOM, then with a DOM-like `window`/`document` (as some SSR set-ups
// define; Vue's SSR context tells the composable it renders on the server), then the
// number of clients the module made.
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
// resilient-ws/vue first: on its own it must load the module in Node.
import { useResilientWebSocket } from 'resilient-ws/vue';
import { ResilientWebSocket } from 'resilient-ws';

const url = process.argv[2];
const Page = defineComponent({
  setup() {
    const { state, readyState, messages, client, send, close, reconnect } = useResilientWebSocket({ url }, { dispose: true });
    send('not on the server'); // does nothing, does not throw
    reconnect();
    close();
    return () => h('p', { id: 'state' }, `${state.value} ${readyState.value} ${client === null} ${messages.value.length}`);
  },
});

// VueUse's form: a URL; nothing is made either, the refs as the browser's first render.
const OwnPage = defineComponent({
  setup() {
    const { state, readyState, ws, send, open, close } = useResilientWebSocket(url, { onConnected: () => {} });
    send('not on the server');
    open();
    close();
    return () => h('p', { id: 'own' }, `${state.value} ${readyState.value} ${ws.value === null}`);
  },
});

console.log(await renderToString(createSSRApp(Page)));
console.log(await renderToString(createSSRApp(OwnPage)));
globalThis.window = globalThis;
globalThis.document = {};
console.log(await renderToString(createSSRApp(Page)));
console.log(`clients: ${ResilientWebSocket.liveClients}`);
