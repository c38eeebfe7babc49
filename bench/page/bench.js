// The bench page: one page, four clients, driven by bench/run.mjs through
// window.bench. Every client gets the same message handler (count, and touch
// e.data.length / byteLength) set as `onmessage`, and default options except
// binaryType = 'arraybuffer' (set on every client after construction).
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
};

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
 * Runs one scenario on a fresh socket of `client`; resolves when the last
 * expected message arrived (the socket stays open: closeCurrent() closes it,
 * outside the measured window).
 *   recv: /blast?n&size&binary — count n messages
 *   send: /sink?n — send n messages on open; the one reply says all arrived
 *   echo: /echo — n sequential round trips
 */
function run(client, sc) {
  const make = CLIENTS[client];
  if (!make) throw new Error(`unknown client ${client}`);
  const { kind, n } = sc;
  let path;
  if (kind === 'recv') path = `/blast?n=${n}&size=${sc.size}&binary=${sc.binary ? 1 : 0}`;
  else if (kind === 'send') path = `/sink?n=${n}`;
  else if (kind === 'echo') path = '/echo';
  else throw new Error(`unknown scenario kind ${kind}`);
  const payload = kind === 'recv' ? null : 'x'.repeat(sc.size);
  const expected = kind === 'send' ? 1 : n;

  return new Promise((resolve, reject) => {
    const tCreate = performance.now();
    let tOpen = 0;
    let count = 0;
    let bytes = 0;
    let last = null;
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`timeout: ${count}/${expected} messages after ${sc.timeoutMs} ms`)), sc.timeoutMs);
    function fail(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    }
    const ws = make(WS_BASE + path);
    current = ws;
    ws.binaryType = 'arraybuffer';
    // The one handler every client gets: the same trivial work.
    ws.onmessage = (e) => {
      const d = e.data;
      bytes += typeof d === 'string' ? d.length : d.byteLength;
      count++;
      if (count === expected) {
        const tEnd = performance.now();
        settled = true;
        clearTimeout(timer);
        last = d;
        resolve({ count, bytes, openMs: tOpen - tCreate, ms: tEnd - tOpen, last: typeof last === 'string' ? last.slice(0, 200) : null });
      } else if (kind === 'echo') {
        ws.send(payload);
      }
    };
    ws.onopen = () => {
      tOpen = performance.now();
      if (kind === 'send') {
        for (let i = 0; i < n; i++) ws.send(payload);
      } else if (kind === 'echo') {
        ws.send(payload);
      }
    };
    ws.onclose = (e) => {
      if (!settled) fail(new Error(`closed before the end (code ${e.code}) after ${count}/${expected} messages`));
    };
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
  run,
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
