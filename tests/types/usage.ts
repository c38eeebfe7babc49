// Type-checks the generated declarations the way an application uses them
// (`tsc -p tests/types` in scripts/test, strict mode). Every line below must compile; the
// `@ts-expect-error` lines must NOT (a wrong type has to be caught).
import init, {
  ResilientWebSocket,
  websocketClass,
  type ResilientWebSocketOptions,
  type ResilientWebSocketEventMap,
  type ResilientWebSocketConstructor,
} from '../../pkg/resilient_ws.js';

await init();

const options: ResilientWebSocketOptions = {
  pingInterval: 30000,
  pongTimeout: 5000,
  reconnectDelay: 15000,
  backoffFactor: 2,
  jitter: true,
  maxRetries: Infinity,
  overflow: 'drop-oldest',
  binaryType: 'arraybuffer',
  isPong: (e: MessageEvent) => e.data === 'pong',
  shouldReconnect: (e: CloseEvent) => e.code !== 4001,
  routeBy: 'extend.code',
  shared: true,
  key: 'chat',
};
const ws = new ResilientWebSocket('wss://example.invalid/ws', ['chat'], options);
const role: 'leader' | 'follower' | null = ws.sharedRole;
void role;
// @ts-expect-error: shared is a boolean
new ResilientWebSocket('wss://example.invalid/ws', [], { shared: 'yes' });
const ws2 = new ResilientWebSocket('wss://example.invalid/ws');
const ws3 = new ResilientWebSocket(async () => 'wss://example.invalid/ws?token=1');

const state: number = ws.readyState;
const open: boolean = ws.readyState === ResilientWebSocket.OPEN && ws.OPEN === 1;
const bt: BinaryType = ws.binaryType;
ws.binaryType = 'blob';
ws.send('text');
ws.send(new Uint8Array([1, 2, 3]));
ws.send(new Blob(['x']), { queue: false });
ws.sendJson({ event: 'MSG' });
ws.close();
ws.close(1000, 'bye', { clearQueue: true });
ws.onmessage = (e: MessageEvent) => console.log(e.data);
ws.onclose = (e: CloseEvent) => console.log(e.code, e.reason, e.wasClean);
ws.addEventListener('open', () => ws.send('hello'), { once: true });
ws.on('10001', (json, event) => console.log(json, event.data));
const phase: 'idle' | 'connecting' | 'open' | 'closing' | 'waiting' | 'closed' = ws.state;
const t = ws.timing();
const next: number | null = t.nextPingAt;
const queued: number = ws.queuedAmount;
const same: ResilientWebSocket = ResilientWebSocket.getInstance({ url: 'wss://example.invalid/ws', pingInterval: 0 });
const disposed: boolean = ResilientWebSocket.disposeInstance('wss://example.invalid/ws');
type Reconnecting = ResilientWebSocketEventMap['reconnecting'];
const onReconnecting = (e: Reconnecting) => console.log(e.attempt, e.delay, e.detail.attempt);

// Seed 001's class.
websocketClass.configure({ url: 'wss://example.invalid/ws', pingInterval: 30000 });
const socket = new websocketClass({
  openSuccess(s: websocketClass) { s.onopenSuccess(() => console.log('connected')); },
  getSocketMsg(s: websocketClass) { s.getWebSocketMsg((ev: MessageEvent) => console.log(ev.data)); },
});
socket.websocketSendMsg(JSON.stringify({ request: 'hello' }));
socket.webSocketSendMsg('x');
const flags: boolean[] = [socket.lockReconnect, socket.userClose, socket.websocketState, socket.webSocketState];
const inner: ResilientWebSocket = socket.ws;
socket.closeSocket();

// Wrong types must be rejected.
// @ts-expect-error pingInterval is a number
new ResilientWebSocket('wss://x', [], { pingInterval: '30s' });
// @ts-expect-error overflow is one of three policies
new ResilientWebSocket('wss://x', [], { overflow: 'drop' });
// @ts-expect-error send takes string, ArrayBuffer(View) or Blob
ws.send({ not: 'data' });
// @ts-expect-error readyState is read-only
ws.readyState = 1;

export { state, open, bt, phase, next, queued, same, disposed, onReconnecting, flags, inner, ws2, ws3 };

// The class where a WebSocket type is expected (outside review: RxJS's WebSocketCtor and a
// function taking a WebSocket were rejected while the on* handlers had `this: ResilientWebSocket`).
const asNative: new (url: string, protocols?: string | string[]) => WebSocket = ResilientWebSocket.withOptions({ reconnect: false });
const takesSocket = (s: WebSocket): number => s.readyState;
takesSocket(new ResilientWebSocket('wss://example.com/socket'));
void asNative;

// withOptions: a constructor a library calls with (url, protocols); more options merge.
const Preset: ResilientWebSocketConstructor = ResilientWebSocket.withOptions({ reconnect: false, pingMessage: null });
const fromPreset: ResilientWebSocket = new Preset('wss://example.com/x', ['graphql-transport-ws']);
const more = Preset.withOptions({ pongMessage: new Uint8Array([0x8a]) });
const open1: 1 = more.OPEN;
void fromPreset;
void open1;
// A library's parameter typed as a WebSocket constructor accepts it.
function takesCtor(C: new (url: string, protocols?: string | string[]) => { readyState: number }) {
  return C;
}
takesCtor(Preset);
// @ts-expect-error pingMessage is no number
ResilientWebSocket.withOptions({ pingMessage: 42 });
