// The npm package's entries as an app imports them (`resilient-ws`, `resilient-ws/vue`,
// `resilient-ws/manual`), resolved through the workspace link node_modules/resilient-ws
// -> npm/ and its package.json `exports`.
import { ResilientWebSocket, init, websocketClass } from 'resilient-ws';
import manualInit, { ResilientWebSocket as Manual } from 'resilient-ws/manual';
import { useResilientWebSocket, type UseResilientWebSocketReturn } from 'resilient-ws/vue';

const ws: ResilientWebSocket = new ResilientWebSocket('wss://example.com/socket');
const same: typeof ResilientWebSocket = Manual;
await init();
await manualInit();
const state: string = ws.state;
void websocketClass;
void same;
void state;

const chat: UseResilientWebSocketReturn = useResilientWebSocket({ url: 'wss://example.com/chat' }, { dispose: true });
const n: number = chat.readyState.value;
chat.send(new Uint8Array(2));
const text: string | undefined = chat.lastMessage.value?.data;
void n;
void text;
// @ts-expect-error: the composable's options are { dispose }, not client options
useResilientWebSocket('wss://example.com', { pingInterval: 1 });
// @ts-expect-error: send takes WebSocket data, not a number
chat.send(42);
// null during server-side rendering (no client is created there)
// @ts-expect-error: client may be null
chat.client.close();
const clientUrl: string | undefined = chat.client?.url;
void clientUrl;
// disposes only that client, if it is still the registered one
const disposedOwn: boolean = ResilientWebSocket.disposeInstance('wss://example.com/chat', ws);
void disposedOwn;
