// The bench page: one page, four clients, driven by bench/run.mjs through
// window.bench. Every client gets the same message handler (count, and touch
// e.data.length / byteLength; each client its own compiled copy, see handlerFor) as
// `onmessage`, and default options except binaryType = 'arraybuffer' (set on every client
// after construction).
import init, { ResilientWebSocket } from './pkg/resilient_ws.js';
import { WebSocket as PartySocket } from './peers/partysocket.js';
import { WebSocket as ReconnectingWebSocket } from './peers/reconnecting-websocket.js';

const WS_BASE = `ws://${location.host}`;
const HTTP_BASE = `http://${location.host}`;

const CLIENTS = {
  raw: (url) => new WebSocket(url),
  resilient: (url) => new ResilientWebSocket(url),
  partysocket: (url) => new PartySocket(url),
  'reconnecting-websocket': (url) => new ReconnectingWebSocket(url),
  'x-proto3': (url) => wrap(url, 3),
  'x-proto7': (url) => wrap(url, 7),
  'x-define': (url) => wrap(url, 'define'),
  'x-newevent': (url) => wrap(url, 'new'),
  'x-none': (url) => wrap(url, 'none'),
  'x-wrap': (url) => wrap(url, 'wrap'),
  'x-own': (url) => wrap(url, 'own'),
  'x-define7': (url) => wrap(url, 'define7'),
  'x-protoafter': (url) => wrap(url, 'protoafter'),
  'x-restore': (url) => wrap(url, 'restore'),
  'x-protoown': (url) => wrap(url, 'protoown'),
  'x-ownproto': (url) => wrap(url, 'ownproto'),
  // x-listeners: the handler as its own listener on the socket, after a retargeting
  // onmessage: what letting the browser call each listener (so microtasks run between
  // listeners, as natively) costs at least: one more browser-to-JS call per message.
  'x-listeners': (url) => wrap(url, 'listeners'),
};
const NATIVE = Symbol('native');
const WRAP = Object.create(MessageEvent.prototype, {
  data: { get() { return this[NATIVE].data; } },
  type: { get() { return this[NATIVE].type; } },
  target: { get() { return this.me; } },
});
function wrap(url, how) {
  const ws = new WebSocket(url);
  const me = { ws };
  const get = { get() { return me; }, configurable: true };
  const base = MessageEvent.prototype;
  const props = { target: get, currentTarget: get, srcElement: get };
  if (how === 7) {
    Object.assign(props, {
      eventPhase: { get() { return 2; }, configurable: true },
      composedPath: { value() { return [me]; }, configurable: true, writable: true },
      preventDefault: { value() { return base.preventDefault.call(this); }, configurable: true, writable: true },
      stopImmediatePropagation: { value() { return base.stopImmediatePropagation.call(this); }, configurable: true, writable: true },
    });
  }
  const P = Object.create(base, props);
  // x-define7: what x-proto7's prototype gives, as own properties of each event instead.
  const D7 = {
    target: get, currentTarget: get, srcElement: get,
    eventPhase: { get() { return 2; }, configurable: true },
    composedPath: { value() { return [me]; }, configurable: true, writable: true },
    preventDefault: { value() { return base.preventDefault.call(this); }, configurable: true, writable: true },
    stopImmediatePropagation: { value() { return base.stopImmediatePropagation.call(this); }, configurable: true, writable: true },
  };
  const W = WRAP;
  Object.defineProperty(me, 'binaryType', { set(v) { ws.binaryType = v; } });
  Object.defineProperty(me, 'readyState', { get() { return ws.readyState; } });
  Object.defineProperty(me, 'onopen', { set(f) { ws.onopen = f; } });
  Object.defineProperty(me, 'onclose', { set(f) { ws.onclose = f; } });
  me.send = (d) => ws.send(d);
  me.close = (c) => ws.close(c);
  Object.defineProperty(me, 'onmessage', { set(f) {
    if (!f) { ws.onmessage = null; return; }
    if (how === 'none') ws.onmessage = (e) => f.call(me, e);
    // x-own: one own symbol-keyed property per event (no retarget); x-define7: see D7;
    // x-protoafter: the minimal retarget made after the listener returned (only its cost
    // after the dispatch remains); x-restore: the event's own prototype put back after it.
    else if (how === 'own') ws.onmessage = (e) => { e[NATIVE] = me; f.call(me, e); };
    else if (how === 'define7') ws.onmessage = (e) => { Object.defineProperties(e, D7); f.call(me, e); };
    else if (how === 'protoafter') ws.onmessage = (e) => { f.call(me, e); Object.setPrototypeOf(e, P); };
    else if (how === 'restore') ws.onmessage = (e) => { Object.setPrototypeOf(e, P); f.call(me, e); Object.setPrototypeOf(e, base); };
    // x-protoown: the minimal retarget, then one own symbol-keyed property (the order ours
    // uses); x-ownproto: the same two steps the other way round.
    else if (how === 'protoown') ws.onmessage = (e) => { Object.setPrototypeOf(e, P); e[NATIVE] = me; f.call(me, e); };
    else if (how === 'ownproto') ws.onmessage = (e) => { e[NATIVE] = me; Object.setPrototypeOf(e, P); f.call(me, e); };
    else if (how === 'listeners') { ws.onmessage = (e) => { Object.setPrototypeOf(e, P); }; ws.addEventListener('message', (e) => f.call(me, e)); }
    else if (how === 'wrap') ws.onmessage = (e) => { f.call(me, { __proto__: W, [NATIVE]: e, me }); };
    else if (how === 'define') ws.onmessage = (e) => { Object.defineProperty(e, 'target', get); f.call(me, e); };
    else if (how === 'new') ws.onmessage = (e) => { const n = new MessageEvent('message', { data: e.data, origin: e.origin, lastEventId: e.lastEventId }); Object.setPrototypeOf(n, P); f.call(me, n); };
    else ws.onmessage = (e) => { Object.setPrototypeOf(e, P); f.call(me, e); };
  } });
  return me;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds, polling every `every` ms; throws after `timeout` ms. */
async function until(what, cond, timeout, every = 5) {
  const deadline = performance.now() + timeout;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

let wasm = null;
let current = null; // the socket of the running (or last) scenario

/**
 * Runs one scenario in two steps, so that connecting and the data phase are measured
 * apart: prepare(client, sc) makes a fresh socket of `client` and resolves on `open`
 * (the server sends nothing yet: /blast?go=1 waits for the client's first message);
 * go() starts the data phase and resolves when the last expected message arrived (the
 * socket stays open: closeCurrent() closes it, outside the measured window).
 *   recv: /blast?n&size&binary&go=1 — send "go", count n messages
 *   send: /sink?n — send n messages; the one reply says all arrived
 *   echo: /echo — n sequential round trips
 */
let scenario = null;

/** The message handler of one run: count, and touch e.data.length / byteLength. */
function makeHandler(r, expected, kind, ws, payload, timer) {
  return (e) => {
    const d = e.data;
    r.bytes += typeof d === 'string' ? d.length : d.byteLength;
    r.count++;
    if (r.count === expected) {
      const tEnd = performance.now();
      r.settled = true;
      clearTimeout(timer);
      r.resolve({ count: r.count, bytes: r.bytes, openMs: r.tOpen - r.tCreate, ms: tEnd - r.tGo, last: typeof d === 'string' ? d.slice(0, 200) : null });
    } else if (kind === 'echo') {
      ws.send(payload);
    }
  };
}

// Each client gets its own compiled copy of makeHandler (the same source text): closures
// made from one function literal share their inline caches, so a single handler saw every
// client's event classes (raw, ours, each experiment baseline with a prototype per
// instance) and its `e.data` read went megamorphic for all of them, an application with
// one kind of socket never sees that. A copy per client keeps the clients apart.
const handlers = new Map();
function handlerFor(client) {
  let f = handlers.get(client);
  if (f === undefined) {
    f = new Function(`return ${makeHandler.toString()}`)();
    handlers.set(client, f);
  }
  return f;
}

function prepare(client, sc) {
  const make = CLIENTS[client];
  if (!make) throw new Error(`unknown client ${client}`);
  const { kind, n } = sc;
  let path;
  if (kind === 'recv') path = `/blast?n=${n}&size=${sc.size}&binary=${sc.binary ? 1 : 0}&go=1`;
  else if (kind === 'send') path = `/sink?n=${n}`;
  else if (kind === 'echo') path = '/echo';
  else throw new Error(`unknown scenario kind ${kind}`);
  const payload = kind === 'recv' ? null : 'x'.repeat(sc.size);
  const expected = kind === 'send' ? 1 : n;
  const r = { kind, n, payload, expected, count: 0, bytes: 0, tCreate: performance.now(), tOpen: 0, tGo: 0, settled: false, resolve: null, reject: null, error: null };
  scenario = r;

  return new Promise((opened, failedOpen) => {
    const timer = setTimeout(() => fail(new Error(`timeout: ${r.count}/${expected} messages after ${sc.timeoutMs} ms`)), sc.timeoutMs);
    function fail(err) {
      if (r.settled) return;
      r.settled = true;
      clearTimeout(timer);
      if (r.reject) r.reject(err);
      else failedOpen(err);
    }
    const ws = make(WS_BASE + path);
    current = ws;
    r.ws = ws;
    ws.binaryType = 'arraybuffer';
    // The one handler every client gets: the same trivial work (see handlerFor).
    ws.onmessage = handlerFor(client)(r, expected, kind, ws, payload, timer);
    ws.onopen = () => {
      r.tOpen = performance.now();
      opened(r.tOpen - r.tCreate);
    };
    ws.onclose = (e) => fail(new Error(`closed before the end (code ${e.code}) after ${r.count}/${expected} messages`));
  });
}

function go() {
  const r = scenario;
  return new Promise((resolve, reject) => {
    r.resolve = resolve;
    r.reject = reject;
    // In a task of the page's own (a timer), as an app's code runs: script that CDP's
    // Runtime.evaluate runs is not counted in ScriptDuration.
    setTimeout(() => {
      r.tGo = performance.now();
      if (r.kind === 'recv') r.ws.send('go');
      else if (r.kind === 'send') for (let i = 0; i < r.n; i++) r.ws.send(r.payload);
      else r.ws.send(r.payload);
    }, 0);
  });
}

/** Closes the current scenario's socket and waits for its close event (≤ 5 s). */
async function closeCurrent() {
  const ws = current;
  current = null;
  if (!ws) return null;
  ws.onmessage = null;
  ws.onopen = null;
  let closed = false;
  ws.onclose = () => {
    closed = true;
  };
  if (ws.readyState === 3) return 'already-closed';
  ws.close(1000);
  try {
    await until('close event', () => closed, 5000, 2);
    return 'closed';
  } catch {
    return 'close-timeout';
  }
}

// ---- memory: one ResilientWebSocket forced to reconnect over and over ----
let mem = null;

function memStart({ tag, reconnectDelay }) {
  const ws = new ResilientWebSocket(`${WS_BASE}/echo?tag=${encodeURIComponent(tag)}`, undefined, { reconnectDelay });
  mem = { ws, opens: 0, target: 1, kicks: 0, kickErrors: 0, reconnectEvents: 0, closes: 0 };
  ws.addEventListener('open', () => {
    mem.opens++;
    if (mem.opens < mem.target) kick();
  });
  ws.addEventListener('reconnect', () => mem.reconnectEvents++);
  ws.addEventListener('close', () => mem.closes++);
}

/** Drops the connection from the server side (no close frame). */
function kick() {
  mem.kicks++;
  fetch(`${HTTP_BASE}/control/drop-all`)
    .then((r) => r.text())
    .catch(() => mem.kickErrors++);
}

/** Lets the client reconnect `extra` more times; resolves once open again. */
async function memReconnect(extra, timeoutMs) {
  mem.target += extra;
  if (mem.ws.readyState === 1 && mem.opens < mem.target) kick();
  await until(`${mem.target} opens`, () => mem.opens >= mem.target && mem.ws.readyState === 1, timeoutMs, 5);
  return memState();
}

function memState() {
  return {
    opens: mem.opens,
    reconnects: mem.opens - 1,
    reconnectEvents: mem.reconnectEvents,
    closes: mem.closes,
    kicks: mem.kicks,
    kickErrors: mem.kickErrors,
    readyState: mem.ws.readyState,
    state: mem.ws.state,
  };
}

async function memStop() {
  const ws = mem.ws;
  let closed = ws.readyState === 3;
  ws.addEventListener('close', () => {
    closed = true;
  });
  ws.close(1000);
  await until('close', () => closed, 5000).catch(() => {});
  mem = null;
}

// ---- idle: many ResilientWebSockets with the default heartbeat ----
let idle = null;

async function idleStart({ n, tag, timeoutMs }) {
  idle = { clients: [], messages: 0, reconnects: 0, heartbeatTimeouts: 0 };
  for (let i = 0; i < n; i++) {
    const ws = new ResilientWebSocket(`${WS_BASE}/echo?tag=${encodeURIComponent(tag)}`);
    ws.onmessage = (e) => {
      const d = e.data;
      idle.bytes = (idle.bytes || 0) + (typeof d === 'string' ? d.length : d.byteLength);
      idle.messages++;
    };
    ws.addEventListener('reconnect', () => idle.reconnects++);
    ws.addEventListener('heartbeat-timeout', () => idle.heartbeatTimeouts++);
    idle.clients.push(ws);
  }
  await until(`${n} open`, () => idle.clients.every((ws) => ws.readyState === 1), timeoutMs, 10);
  return idleState();
}

function idleState() {
  return {
    clients: idle.clients.length,
    open: idle.clients.filter((ws) => ws.readyState === 1).length,
    messages: idle.messages,
    reconnects: idle.reconnects,
    heartbeatTimeouts: idle.heartbeatTimeouts,
  };
}

async function idleStop() {
  let closed = 0;
  for (const ws of idle.clients) {
    ws.addEventListener('close', () => closed++);
    ws.close(1000);
  }
  const n = idle.clients.length;
  await until('all closed', () => closed >= n, 10000).catch(() => {});
  idle = null;
  return closed;
}

window.bench = {
  ready: (async () => {
    wasm = await init();
    document.getElementById('status').textContent = 'ready';
    return true;
  })(),
  prepare,
  go,
  closeCurrent,
  wasmMemory: () => wasm.memory.buffer.byteLength,
  memStart,
  memReconnect,
  memState,
  memStop,
  idleStart,
  idleState,
  idleStop,
};
