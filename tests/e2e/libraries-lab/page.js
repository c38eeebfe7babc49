// The page of tests/e2e/libraries-browser.mjs (bundled by esbuild, `resilient-ws` left to
// the page's import map): each library, through the docs' own recipes (docs/examples/),
// with the native WebSocket, with our class as is (default options), or with the recipe.
// Every driver reports the same things: the library's own callbacks (connected,
// disconnected, with times), what the app received (the server's numbered news, in
// order), and the answers to its requests.
import { ResilientWebSocket } from 'resilient-ws';
import { createClient } from 'graphql-ws';
import { WebSocket as WebSocketTransport } from 'socket.io-client';
import { GraphqlSocket } from '../../../docs/examples/graphql-ws.js';
import { SocketIoSocket, resilientTransport, socketIo } from '../../../docs/examples/socket-io.js';
import { MqttSocket, mqttClient } from '../../../docs/examples/mqtt.js';
import { StompSocket, stompClient } from '../../../docs/examples/stomp.js';

const NativeWebSocket = globalThis.WebSocket;

/** The constructor for `impl`: the native one, ours as is, or the recipe's class with the
 *  test's shorter timings. */
function ctor(impl, Recipe, timings) {
  if (impl === 'native') return NativeWebSocket;
  if (impl === 'defaults') return ResilientWebSocket;
  return Recipe.withOptions(timings);
}

class Report {
  constructor() {
    this.connected = [];
    this.disconnected = [];
    this.news = [];
    this.answers = [];
    this.errors = [];
  }
  connect() { this.connected.push(Math.round(performance.now())); }
  disconnect() { this.disconnected.push(Math.round(performance.now())); }
}

const drivers = {
  // graphql-ws: a subscription to the server's news; requests are queries.
  graphql(url, impl, o) {
    const r = new Report();
    const client = createClient({
      url,
      webSocketImpl: ctor(impl, GraphqlSocket, o.timings),
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: () => new Promise((res) => setTimeout(res, o.retryMs)),
      onNonLazyError: (e) => r.errors.push(String(e?.code ?? e)),
      on: { connected: () => r.connect(), closed: () => r.disconnect() },
    });
    client.subscribe({ query: 'subscription { news }' }, {
      next: (v) => r.news.push(v.data.news),
      error: (e) => r.errors.push(String(e?.code ?? e)),
      complete: () => {},
    });
    return {
      report: r,
      ask: (n) => new Promise((res, rej) => {
        let v;
        client.subscribe({ query: `{ double(n: ${n}) }` }, { next: (x) => (v = x.data.double), error: rej, complete: () => res(v) });
      }),
      dispose: () => client.dispose(),
    };
  },
  // socket.io-client: the server emits news; requests are acknowledged emits.
  socketio(url, impl, o) {
    const r = new Report();
    const options = { reconnectionDelay: o.retryMs, reconnectionDelayMax: o.retryMs, randomizationFactor: 0 };
    const socket = impl === 'native'
      ? socketIo(url, { ...options, transports: [WebSocketTransport] })
      : socketIo(url, { ...options, transports: [resilientTransport(ctor(impl, SocketIoSocket, o.timings))] });
    socket.on('connect', () => r.connect());
    socket.on('disconnect', () => r.disconnect());
    socket.on('news', (n) => r.news.push(n));
    return {
      report: r,
      ask: (n) => socket.timeout(5000).emitWithAck('double', n),
      dispose: () => socket.disconnect(),
    };
  },
  // MQTT.js: subscribed to `news` and `answers`; a request is a publish to `double`.
  mqtt(url, impl, o) {
    const r = new Report();
    const waiting = new Map();
    const client = mqttClient(url, { reconnectPeriod: o.retryMs, connectTimeout: 5000 }, ctor(impl, MqttSocket, o.timings));
    client.on('connect', () => {
      r.connect();
      client.subscribe(['news', 'answers']);
    });
    client.on('close', () => r.disconnect());
    client.on('error', (e) => r.errors.push(String(e?.message ?? e)));
    client.on('message', (topic, payload) => {
      const v = Number(new TextDecoder().decode(payload));
      if (topic === 'news') r.news.push(v);
      else waiting.get(v)?.(v);
    });
    return {
      report: r,
      ask: (n) => new Promise((res) => {
        waiting.set(2 * n, res);
        client.publish('double', String(n));
      }),
      dispose: () => new Promise((res) => client.end(false, {}, res)),
    };
  },
  // @stomp/stompjs: subscribed to /topic/news and /topic/answers; a request is a SEND to
  // /app/double. The broker sends heart-beats (stompjs asks for them: heartbeatIncoming).
  stomp(url, impl, o) {
    const r = new Report();
    const waiting = new Map();
    const client = stompClient(url, {
      reconnectDelay: o.retryMs,
      heartbeatIncoming: o.stompHeartbeat,
      heartbeatOutgoing: 0,
      onConnect: () => {
        r.connect();
        client.subscribe('/topic/news', (m) => r.news.push(Number(m.body)));
        client.subscribe('/topic/answers', (m) => waiting.get(Number(m.body))?.(Number(m.body)));
      },
      onWebSocketClose: () => r.disconnect(),
      onStompError: (f) => r.errors.push(f.headers.message),
    }, ctor(impl, StompSocket, o.timings));
    client.activate();
    return {
      report: r,
      ask: (n) => new Promise((res) => {
        waiting.set(2 * n, res);
        client.publish({ destination: '/app/double', body: String(n) });
      }),
      dispose: () => client.deactivate(),
    };
  },
};

const running = new Map();

// Page visibility as the page's code sees it (document.visibilityState and the
// visibilitychange event): headless pages cannot be hidden for real here.
let hidden = false;
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });

window.lab = {
  start(key, lib, url, impl, options) {
    running.set(key, drivers[lib](url, impl, options));
  },
  report(key) {
    return JSON.parse(JSON.stringify(running.get(key).report));
  },
  async ask(key, n) {
    try {
      return await running.get(key).ask(n);
    } catch (e) {
      return `error: ${e?.message ?? e}`;
    }
  },
  async dispose(key) {
    await running.get(key).dispose();
  },
  setHidden(h) {
    hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  },
  now: () => Math.round(performance.now()),
};
window.labReady = true;
