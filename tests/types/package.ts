// The npm package's entries as an app imports them (`resilient-ws`, `resilient-ws/vue`,
// `resilient-ws/manual`), resolved through the workspace link node_modules/resilient-ws
// -> npm/ and its package.json `exports`.
import { ResilientWebSocket, init, websocketClass } from 'resilient-ws';
import manualInit, { ResilientWebSocket as Manual } from 'resilient-ws/manual';
import { useResilientWebSocket, type UseResilientWebSocketReturn } from 'resilient-ws/vue';
import { ref } from 'vue';

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
const last = chat.lastMessage.value?.data;
const text: string | undefined = typeof last === 'string' ? last : undefined;
void n;
void text;
// @ts-expect-error: the shared form's options are { dispose, maxMessages }, not client options
useResilientWebSocket({ url: 'wss://example.com' }, { pingInterval: 1 });
// The VueUse form: a ref or getter URL, VueUse's options and the client's, typed JSON.
const url = ref<string | null>('wss://example.com/feed');
const feed = useResilientWebSocket<{ price: number }>(url, {
  pingInterval: 10000,
  heartbeat: { message: 'ping', responseMessage: 'pong', interval: 5000 },
  autoReconnect: { retries: 3, delay: 1000, onFailed: () => {} },
  onMessage: (socket, e) => void [socket.state, e.data],
  immediate: false,
});
const price: number | undefined = feed.lastJson.value?.price;
const sentNow: boolean = feed.send('hi', false);
const status: 'CONNECTING' | 'OPEN' | 'CLOSED' = feed.status.value;
const rtt: number | null = feed.rtt.value;
useResilientWebSocket(() => (url.value ? `${url.value}?v=2` : null));
// @ts-expect-error: a function delay is not supported
useResilientWebSocket(url, { autoReconnect: { delay: () => 5 } });
void [price, sentNow, status, rtt];
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

// resilient-ws/react: react-use-websocket's shape, typed JSON.
import { ReadyState, useResilientWebSocket as useWs } from 'resilient-ws/react';
const hook = useWs<{ price: number }>('wss://example.com/feed', {
  share: true,
  filter: (m) => typeof m.data === 'string',
  heartbeat: { message: 'ping', returnMessage: 'pong', interval: 25000, timeout: 5000 },
  reconnectAttempts: 5,
  reconnectInterval: 2000,
  onReconnectStop: (n) => void n,
  queryParams: { token: 'abc', v: 2 },
  pingInterval: 10000,
});
const p: number | undefined = hook.lastJsonMessage?.price;
const rs: boolean = hook.readyState === ReadyState.OPEN;
const sock = hook.getWebSocket();
hook.sendJsonMessage({ subscribe: 'prices' }, false);
useWs(null);
useWs(async () => 'wss://example.com/token', {}, false);
// @ts-expect-error: a function reconnectInterval is not supported
useWs('wss://example.com', { reconnectInterval: () => 5 });
void [p, rs, sock];
