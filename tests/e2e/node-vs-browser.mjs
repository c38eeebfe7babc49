// Randomized differential test, "Node + ws vs the browser": the same random program runs on
// ResilientWebSocket in Node (this process: pkg/resilient_ws.js with initSync, the `ws`
// package passed as the `WebSocket` option; Node 20 has no global WebSocket) and in Chromium
// (www/dist's bare.html, `window.rws`, the native WebSocket), each against the test server
// with its own tag; what the application can observe must be the same.
//
//   scripts/build web pkg && scripts/package --no-build && npm run --silent build:www
//   RWS_STATIC_DIR=www/dist scripts/with-server node --test tests/e2e/node-vs-browser.mjs
//
// 1. determinism: each program twice in Node and twice in Chromium; Node against Node and
//    Chromium against Chromium must give identical traces (proves the trace abstraction and
//    the programs' timing are deterministic, so that a difference below is not noise).
// 2. differential: each program once in Node and once in Chromium; a difference is replayed
//    once more on each side (a difference that does not reproduce on a side is reported as
//    non-determinism), shrunk, and reported with both traces.
//
// Environment (tests/support/fuzz-env.mjs): RWS_FUZZ_SEED, RWS_FUZZ_RUNS, RWS_FUZZ_TIME_S,
// RWS_FUZZ_SHRINK_S. Reports go to test-output/fuzz/node-vs-browser-<phase>-<seed>.json.
//
// How timing is kept out of the traces (see runTraceProgram below):
// - no timestamps; a trace is the sequence of events (with their fields and the client's
//   state at each), the state after each step, and thrown error names;
// - a program never sleeps for a fixed time alone: `wait` ends at the next event of a type
//   or once the client is quiet (closed, open on /echo, or connecting to /hang without a
//   connectTimeout: nothing of the client's or the server's is pending), `idle` and
//   `dropAll` wait until quiet; each is followed by a 60 ms settle, longer than a loopback
//   round trip and shorter than every timer a program sets (>= 150 ms), so a step never
//   races a timer or a handshake;
// - the route (silent, hang, close, drop, reject) applies to the first one or two attempts
//   only (the URL is a function); later attempts go to /echo, so every chain of timers ends;
// - heartbeat pings and their echoes are left out (how many fall into a wait is timing);
//   listener triggers count non-ping messages only;
// - platform-specific details, each normalised where it is recorded: bufferedAmount while
//   OPEN/CLOSING, readyState during `error`, the `error` event's fields.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { WebSocket as NodeWs } from 'ws';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { FUZZ_SEED, fuzzBudget } from '../support/fuzz-env.mjs';

const HTTP = process.env.RWS_TEST_HTTP;
const ROOT = new URL('../../', import.meta.url);
const OUT_DIR = fileURLToPath(new URL('test-output/fuzz/', ROOT));
const SEED = FUZZ_SEED;

// Default budgets (2 cores): about 60 s for the whole file (measured 58.8 s). Each program takes about 0.3 to
// 1.5 s per run; the determinism phase runs each four times, the differential phase twice.
const BUDGET = {
  determinism: { numRuns: 40, timeS: 20, shrinkS: 0 },
  differential: { numRuns: 200, timeS: 30, shrinkS: 25 },
};
const budget = (name) => fuzzBudget(BUDGET[name]);
const timeout = (name) => budget(name).timeBudgetMs + budget(name).shrinkBudgetMs + 120000;

// ---- programs -------------------------------------------------------------------------

const PAYLOADS = {
  text: 'a',
  empty: '',
  unicode: 'héllo ✓ 😀',
  jsonA: '{"event":"a","n":1}',
  jsonB: '{"event":"b","extend":{"code":7}}',
  badJson: '{oops',
  u8: 'u8',
  ab: 'ab',
  abEmpty: 'abEmpty',
  dv: 'dv',
  u16: 'u16',
  blob: 'blob',
};

const optsArb = fc.record({
  pingInterval: fc.constantFrom(0, 0, 150, 250, 400),
  pongTimeout: fc.constantFrom(150, 250),
  reconnectDelay: fc.constantFrom(150, 200, 300),
  backoffFactor: fc.constantFrom(1, 1, 2),
  maxRetries: fc.constantFrom(Infinity, Infinity, Infinity, 1, 2),
  connectTimeout: fc.constantFrom(0, 200, 400),
  closeTimeout: fc.constantFrom(200, 400),
  maxQueued: fc.constantFrom(0, 1, 2, 3, 1000),
  overflow: fc.constantFrom('drop-oldest', 'drop-newest', 'error'),
  reconnect: fc.constantFrom(true, true, true, false),
  binaryType: fc.constantFrom(undefined, 'blob', 'arraybuffer'),
  json: fc.constantFrom(undefined, undefined, true),
  routeBy: fc.constantFrom(undefined, undefined, 'event'),
  // Ignored in Node (no page, no back/forward cache); never triggered in the browser here.
  bfcache: fc.constantFrom(undefined, true, false),
}, { requiredKeys: ['pingInterval', 'pongTimeout', 'reconnectDelay', 'connectTimeout', 'closeTimeout'] });

// The route of the first `routeAttempts` attempts; /echo after.
const routeArb = fc.oneof(
  fc.constant({ path: 'echo' }),
  fc.constant({ path: 'silent' }),
  fc.constant({ path: 'hang' }),
  // after_ms 0 would race the messages queued before the open (flushed at open: echoed
  // or not, depending on whether they reach the server before it acts).
  fc.record({ path: fc.constant('close'), code: fc.constantFrom(1000, 1001, 1008, 1011, 3000, 4001), reason: fc.constantFrom('', 'bye', 'é'), after: fc.constant(400) }),
  fc.record({ path: fc.constant('drop'), after: fc.constant(400) }),
  fc.record({ path: fc.constant('reject'), status: fc.constantFrom(403, 500) }),
);

const payloadArb = fc.constantFrom(...Object.keys(PAYLOADS));
const WAIT_FOR = ['open', 'close', 'message', 'reconnecting', 'error', 'statechange'];

const stepArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('send'), data: payloadArb, noQueue: fc.constantFrom(false, false, false, true) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('wait'), for: fc.constantFrom(...WAIT_FOR) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'idle' }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('close'),
      code: fc.constantFrom(undefined, 1000, 3000, 4999, 1001, 999, 5000),
      reason: fc.constantFrom(undefined, '', 'bye', 'é', 'x'.repeat(124)),
      clearQueue: fc.constantFrom(false, false, true),
    // Not generated: close(undefined, reason). The client does what the engine's own
    // binding does (src/browser/events.js close: Blink converts the undefined code to 0,
    // InvalidAccessError; Gecko and WebKit treat it as absent); Node has no engine binding
    // to copy and follows WebIDL (absent, as Gecko): platform-specific by design.
    }).filter((c) => c.code !== undefined || c.reason === undefined),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'reconnect' }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('binaryType'), v: fc.constantFrom('blob', 'arraybuffer') }) },
  { weight: 2, arbitrary: fc.constant({ op: 'dropAll' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clearQueue' }) },
);

const LISTEN_ON = ['open', 'message', 'close', 'error', 'reconnecting', 'reconnect', 'statechange', 'queue-overflow', 'heartbeat-timeout'];
const armArb = fc.record({
  type: fc.constantFrom(...LISTEN_ON),
  nth: fc.integer({ min: 1, max: 2 }),
  act: fc.constantFrom('reconnect', 'close', 'closeCode', 'closeBad', 'send', 'sendNoQueue'),
});

const programArb = fc.record({
  opts: optsArb,
  route: routeArb,
  routeAttempts: fc.constantFrom(1, 1, 2),
  arms: fc.array(armArb, { maxLength: 2 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 9 }),
});

/** The program as code an application would write (for reports). */
function renderProgram(p) {
  const o = Object.entries(p.opts).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : v}`).join(', ');
  const r = p.route;
  const q = r.path === 'close' ? `?code=${r.code}&reason=${r.reason}&after_ms=${r.after}` : r.path === 'drop' ? `?after_ms=${r.after}` : r.path === 'reject' ? `?status=${r.status}` : '';
  const lines = [`// attempts 1..${p.routeAttempts}: /${r.path}${q}; later attempts: /echo`];
  lines.push(`const ws = new ResilientWebSocket(urlFn, undefined, { ${o}${o ? ', ' : ''}WebSocket /* ws in Node */ });`);
  for (const a of p.arms) lines.push(`ws.addEventListener('${a.type}', /* on its call #${a.nth} */ () => ${ARM_CODE[a.act]});`);
  for (const s of p.steps) {
    switch (s.op) {
      case 'send': lines.push(`ws.send(${s.data}${s.noQueue ? ', { queue: false }' : ''});`); break;
      case 'wait': lines.push(`await nextOrQuiet('${s.for}'); await sleep(60);`); break;
      case 'idle': lines.push('await quiet(); await sleep(60);'); break;
      case 'close': lines.push(`ws.close(${[s.code, s.reason === undefined ? undefined : JSON.stringify(s.reason.length > 20 ? `${s.reason.slice(0, 8)}…(${s.reason.length})` : s.reason)].map((v) => (v === undefined ? 'undefined' : v)).join(', ')}${s.clearQueue ? ', { clearQueue: true }' : ''});`); break;
      case 'reconnect': lines.push('ws.reconnect();'); break;
      case 'binaryType': lines.push(`ws.binaryType = '${s.v}';`); break;
      case 'dropAll': lines.push("await quiet(); fetch('/control/drop-all'); /* if open: */ await next('close'); await sleep(60); /* (recorded here) */ await quiet(); await sleep(60);"); break;
      case 'clearQueue': lines.push('ws.clearQueue();'); break;
      default: lines.push(`?${s.op}`);
    }
  }
  lines.push("ws.close(1000, 'end'); // then wait for state 'closed'");
  return lines.join('\n');
}
const ARM_CODE = {
  reconnect: 'ws.reconnect()',
  close: 'ws.close()',
  closeCode: "ws.close(4321, 'from listener')",
  closeBad: 'ws.close(1001) /* InvalidAccessError */',
  send: "ws.send('from listener')",
  sendNoQueue: "ws.send('from listener', { queue: false })",
};

// ---- the program runner: one self-contained function, run as is in Node and (as source)
// in the page ---------------------------------------------------------------------------

/**
 * Runs program `p` on `env.RWS` and returns its trace (JSON-able). `env`: { RWS, WebSocket
 * (the option's value, or undefined for the global one), base (ws://host:port), http, tag }.
 */
async function runTraceProgram(env, p) {
  const PING = '{"request":"ping"}';
  const SETTLE = 60;
  const WAIT_MAX = 3000;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const errName = (e) => (e && typeof e.name === 'string' ? e.name : typeof e);
  const trace = [];
  const blobs = [];
  // Data as the application sees it: text, bytes, or a Blob's bytes (read at the end).
  const dataOf = (d) => {
    if (typeof d === 'string') return { text: d };
    if (d instanceof ArrayBuffer) return { ab: Array.from(new Uint8Array(d)) };
    if (ArrayBuffer.isView(d)) return { view: d.constructor.name, bytes: Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)) };
    if (typeof Blob !== 'undefined' && d instanceof Blob) {
      const out = { blob: d.size, type: d.type };
      blobs.push(d.arrayBuffer().then((b) => { out.bytes = Array.from(new Uint8Array(b)); }));
      return out;
    }
    return { other: Object.prototype.toString.call(d) };
  };
  const payload = (k) => {
    switch (k) {
      case 'text': return 'a';
      case 'empty': return '';
      case 'unicode': return 'héllo ✓ 😀';
      case 'jsonA': return '{"event":"a","n":1}';
      case 'jsonB': return '{"event":"b","extend":{"code":7}}';
      case 'badJson': return '{oops';
      case 'u8': return new Uint8Array([1, 2, 255]);
      case 'ab': return new Uint8Array([9, 8, 7, 6]).buffer;
      case 'abEmpty': return new ArrayBuffer(0);
      case 'dv': return new DataView(new Uint8Array([0, 5, 6, 0]).buffer, 1, 2);
      case 'u16': return new Uint16Array([258, 772]);
      case 'blob': return new Blob([new Uint8Array([42, 43])], { type: 'application/x-test' });
      default: throw new Error(`payload ${k}`);
    }
  };

  // The URL: a function, the program's route for the first attempts, /echo after.
  let attempts = 0;
  const r = p.route;
  const routeUrl = () => {
    attempts++;
    const q = `tag=${encodeURIComponent(env.tag)}`;
    if (attempts > p.routeAttempts || r.path === 'echo') return `${env.base}/echo?${q}`;
    switch (r.path) {
      case 'close': return `${env.base}/close?code=${r.code}&reason=${encodeURIComponent(r.reason)}&after_ms=${r.after}&${q}`;
      case 'drop': return `${env.base}/drop?after_ms=${r.after}&${q}`;
      case 'reject': return `${env.base}/reject?status=${r.status}&${q}`;
      default: return `${env.base}/${r.path}?${q}`;
    }
  };

  const opts = {};
  for (const [k, v] of Object.entries(p.opts)) if (v !== undefined) opts[k] = v;
  if (env.WebSocket) opts.WebSocket = env.WebSocket;

  let ws;
  // bufferedAmount while the socket is OPEN or CLOSING is how far the platform's own socket
  // has flushed, not compared (normalised to 'open'): Chromium counts a sent message until
  // its network service has taken it (a later task), the ws package only until the kernel
  // took it (a small write on loopback: at once, so 0). CONNECTING and CLOSED are compared.
  const ba = () => (ws.readyState === 1 || ws.readyState === 2 ? 'open' : ws.bufferedAmount);
  const snap = () => ({ rs: ws.readyState, st: ws.state, ba: ba(), qa: ws.queuedAmount });
  const isPing = (ty, e) => ty === 'message' && e.data === PING;
  // Waiters for the next event of a type (`wait` steps).
  let waiter = null;
  const counts = {};
  const fire = (ty) => {
    counts[ty] = (counts[ty] || 0) + 1;
    if (waiter && waiter.ty === ty) {
      const w = waiter;
      waiter = null;
      w.resolve(true);
    }
  };
  // Quiet: nothing more will happen by itself (no timer of the client's or the server's is
  // running, apart from pings answered by /echo). A `wait` ends at its event or once quiet,
  // so that waiting for an event that will not come costs one poll, not a timeout.
  const onRoute = () => attempts <= p.routeAttempts && r.path !== 'echo';
  const isQuiet = () => {
    switch (ws.state) {
      case 'closed': return true;
      case 'connecting': return onRoute() && r.path === 'hang' && !p.opts.connectTimeout;
      case 'open':
        if (!onRoute()) return true;
        if (r.path === 'silent') return !p.opts.pingInterval;
        if (r.path === 'close' || r.path === 'drop') return false; // the server ends it
        return true;
      default: return false; // closing, waiting
    }
  };
  const quiet = async () => {
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < WAIT_MAX) {
      n = isQuiet() ? n + 1 : 0;
      if (n >= 5) return;
      await sleep(10);
    }
  };
  try {
    ws = new env.RWS(routeUrl, undefined, opts);
  } catch (e) {
    trace.push({ construct: errName(e), msg: String(e && e.message) });
    return trace;
  }
  const TYPES = ['open', 'message', 'error', 'close', 'reconnecting', 'reconnect', 'heartbeat-timeout', 'reconnect-failed', 'statechange', 'queue-overflow', 'parse-error'];
  for (const ty of TYPES) {
    ws.addEventListener(ty, function (e) {
      if (isPing(ty, e)) return; // a heartbeat ping's echo: how many is timing
      const rec = { ev: ty, rs: ws.readyState, st: ws.state };
      if (this !== ws || e.target !== ws) rec.target = 'not the client';
      // The event's class and own fields. Node 20 has no CloseEvent: there `close` is an
      // Event with code/reason/wasClean as own properties (src/browser/events.js closeEvent);
      // compared as the browser's CloseEvent.
      rec.cls = ty === 'close' && e.constructor.name === 'Event' && typeof CloseEvent === 'undefined' ? 'CloseEvent' : `${e.constructor.name}${e instanceof Event ? '' : ' (not an Event)'}`;
      // isTrusted is an own property of every event in browsers ([LegacyUnforgeable]), an
      // accessor on Event.prototype in Node: not compared.
      const own = Object.keys(e).filter((k) => k !== 'isTrusted' && !(ty === 'close' && typeof CloseEvent === 'undefined' && ['code', 'reason', 'wasClean'].includes(k)));
      if (own.length) rec.own = own.join();
      switch (ty) {
        case 'message':
          rec.data = dataOf(e.data);
          if (p.opts.json || p.opts.routeBy) rec.json = e.json === undefined ? 'undefined' : JSON.stringify(e.json);
          break;
        case 'close': rec.code = e.code; rec.reason = e.reason; rec.wasClean = e.wasClean; break;
        case 'reconnecting': rec.attempt = e.attempt; rec.delay = e.delay; break;
        case 'reconnect': rec.attempt = e.attempt; break;
        case 'reconnect-failed': rec.attempts = e.attempts; break;
        case 'statechange': rec.from = e.from; rec.to = e.to; break;
        case 'queue-overflow': rec.data = dataOf(e.data); break;
        // error: the type only. A browser's error event is a plain Event; the ws package's
        // is its ErrorEvent with `message` and `error` (platform-specific, not compared).
        default: break;
      }
      rec.ba = ba();
      rec.qa = ws.queuedAmount;
      // readyState during `error` is what the platform's own socket says then (the client
      // reads it from the socket after an error, src/browser/mod.rs ready_state): Chromium's
      // is CLOSED, the ws package's CLOSING (its close event follows, CLOSED, in both).
      if (ty === 'error') delete rec.rs, delete rec.ba;
      trace.push(rec);
      fire(ty);
    });
  }
  if (p.opts.routeBy) {
    for (const route of ['a', 'b']) ws.on(route, (json) => trace.push({ route, json: JSON.stringify(json) }));
  }
  // Listeners that act on their nth call.
  p.arms.forEach((a, i) => {
    let n = 0;
    ws.addEventListener(a.type, (e) => {
      if (isPing(a.type, e)) return;
      if (++n !== a.nth) return;
      const rec = { arm: i, on: a.type, act: a.act };
      try {
        switch (a.act) {
          case 'reconnect': ws.reconnect(); break;
          case 'close': ws.close(); break;
          case 'closeCode': ws.close(4321, 'from listener'); break;
          case 'closeBad': ws.close(1001); break;
          case 'send': ws.send('from listener'); break;
          case 'sendNoQueue': ws.send('from listener', { queue: false }); break;
          default: break;
        }
      } catch (err) {
        rec.threw = errName(err);
      }
      Object.assign(rec, snap());
      trace.push(rec);
    });
  });
  trace.push({ step: 'new', ...snap() });

  for (const [i, s] of p.steps.entries()) {
    const rec = { step: i, op: s.op };
    let pushed = false;
    try {
      switch (s.op) {
        case 'send':
          if (s.noQueue) ws.send(payload(s.data), { queue: false });
          else ws.send(payload(s.data));
          break;
        case 'wait': {
          rec.for = s.for;
          const got = await Promise.race([
            new Promise((resolve) => { waiter = { ty: s.for, resolve }; }),
            quiet().then(() => false),
          ]);
          waiter = null;
          rec.got = got;
          await sleep(SETTLE);
          break;
        }
        case 'idle': await quiet(); await sleep(SETTLE); break;
        case 'close': {
          const args = [s.code, s.reason];
          if (s.clearQueue) args.push({ clearQueue: true });
          else if (s.reason === undefined) args.pop();
          ws.close(...args);
          break;
        }
        case 'reconnect': ws.reconnect(); break;
        case 'binaryType': ws.binaryType = s.v; rec.v = ws.binaryType; break;
        case 'dropAll': {
          // Only once quiet: a drop racing a handshake (opening or closing) is timing. An
          // open socket is dropped before the server answers; the step ends 60 ms after its
          // close event, not after the answer (whose latency, the first fetch especially,
          // would race the reconnect timer).
          await quiet();
          const wasOpen = ws.state === 'open';
          const closed = wasOpen ? new Promise((resolve) => { waiter = { ty: 'close', resolve }; }) : null;
          const answered = fetch(`${env.http}/control/drop-all`).then((res) => res.text());
          if (closed) {
            rec.got = await Promise.race([closed, sleep(WAIT_MAX).then(() => false)]);
            waiter = null;
            await sleep(SETTLE);
            Object.assign(rec, snap());
            trace.push(rec);
            pushed = true;
          }
          await answered;
          // Then on until quiet again (the reconnect): where the answer falls is timing.
          await quiet();
          await sleep(SETTLE);
          break;
        }
        case 'clearQueue': rec.dropped = ws.clearQueue().map(dataOf); break;
        default: throw new Error(`step ${s.op}`);
      }
    } catch (e) {
      rec.threw = errName(e);
    }
    if (!pushed) {
      Object.assign(rec, snap());
      trace.push(rec);
    }
  }
  // The end: close, wait for 'closed' (closeTimeout bounds the wait on a silent peer).
  const end = { step: 'end' };
  try {
    ws.close(1000, 'end');
  } catch (e) {
    end.threw = errName(e);
  }
  const t0 = Date.now();
  while (ws.state !== 'closed' && Date.now() - t0 < 3000) await sleep(10);
  await sleep(SETTLE);
  Object.assign(end, snap());
  trace.push(end);
  await Promise.all(blobs);
  return trace;
}

// ---- the two sides --------------------------------------------------------------------

let browser;
let page;
let nodeRws;
let runs = 0;
const base = () => HTTP.replace(/^http/, 'ws');
const tagFor = (side) => `nvb-${SEED >>> 0}-${process.pid}-${++runs}-${side}`;
const pageErrors = [];

// Uncaught exceptions in Node while a program runs (the test runner would otherwise pin
// them on whichever test is running): they go into that run's trace. The browser's go to
// pageErrors (checked after each test) and into the run's trace too (window 'error').
const nodeUncaught = [];
process.on('uncaughtException', (e) => nodeUncaught.push(`uncaught ${e && e.name}: ${e && e.message}`));
process.on('unhandledRejection', (e) => nodeUncaught.push(`unhandled rejection ${e && e.name}: ${e && e.message}`));

async function runNode(p) {
  nodeUncaught.length = 0;
  const trace = await runTraceProgram({ RWS: nodeRws, WebSocket: NodeWs, base: base(), http: HTTP, tag: tagFor('node') }, p);
  for (const u of nodeUncaught) trace.push({ uncaught: u });
  return trace;
}

async function runBrowser(p) {
  return page.evaluate(async ({ src, env, program }) => {
    // eslint-disable-next-line no-eval
    const run = (0, eval)(`(${src})`);
    const uncaught = [];
    const onError = (e) => uncaught.push(`uncaught ${e.error && e.error.name}: ${e.error ? e.error.message : e.message}`);
    const onRejection = (e) => uncaught.push(`unhandled rejection ${e.reason && e.reason.name}: ${e.reason && e.reason.message}`);
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
    try {
      const trace = await run({ ...env, RWS: window.rws.ResilientWebSocket }, program);
      for (const u of uncaught) trace.push({ uncaught: u });
      return trace;
    } finally {
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    }
  }, { src: runTraceProgram.toString(), env: { base: base(), http: HTTP, tag: tagFor('browser') }, program: p });
}

/** A program as JSON for the reports (Infinity written as a string). */
const jsonable = (p) => JSON.parse(JSON.stringify(p, (k, v) => (v === Infinity ? 'Infinity' : v)));

before(async () => {
  assert.ok(HTTP, 'RWS_TEST_HTTP is not set: run under RWS_STATIC_DIR=www/dist scripts/with-server');
  const res = await fetch(`${HTTP}/bare.html`);
  assert.ok(res.ok, `${HTTP}/bare.html is not served (HTTP ${res.status}): build it (npm run build:www) and set RWS_STATIC_DIR=www/dist`);
  assert.equal(typeof globalThis.WebSocket, 'undefined', 'Node has a global WebSocket: this layer is about Node without one (20/21)');
  await mkdir(OUT_DIR, { recursive: true });
  const m = await import(new URL('pkg/resilient_ws.js', ROOT));
  m.initSync({ module: await readFile(new URL('pkg/resilient_ws_bg.wasm', ROOT)) });
  nodeRws = m.ResilientWebSocket;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${HTTP}/bare.html`);
  await page.waitForFunction(() => window.rwsReady === true, null, { timeout: 20000 });
});

after(async () => {
  await browser?.close();
});

// ---- comparison and the search --------------------------------------------------------

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
function firstDifference(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (!same(a[i], b[i])) return i;
  return -1;
}
const around = (t, i) => t.slice(Math.max(0, i - 3), i + 4).map((e, k) => `${Math.max(0, i - 3) + k === i ? '>' : ' '} ${JSON.stringify(e)}`);

/**
 * Runs fast-check over programs with `check(p)` (null: passes; else a failure object), a
 * time budget for new programs and one for shrinking the first failure.
 */
async function search({ seed, numRuns, timeBudgetMs, shrinkBudgetMs, check }) {
  const t0 = Date.now();
  let executed = 0;
  let shrinkDeadline = null;
  let first = null;
  let last = null;
  let shrinks = -1;
  const prop = fc.asyncProperty(programArb, async (p) => {
    if (shrinkDeadline === null && Date.now() - t0 > timeBudgetMs) return true;
    if (shrinkDeadline !== null && Date.now() > shrinkDeadline) return true;
    if (shrinkDeadline === null) executed++;
    const f = await check(p);
    if (!f) return true;
    if (!first) {
      first = { p, f };
      shrinkDeadline = Date.now() + shrinkBudgetMs;
    }
    last = { p, f };
    shrinks++;
    return false;
  });
  await fc.check(prop, { seed, numRuns, endOnFailure: shrinkBudgetMs === 0 });
  return { executed, first, last, shrinks: Math.max(0, shrinks), ms: Date.now() - t0 };
}

function formatTraces(names, traces) {
  const i = firstDifference(traces[0], traces[1]);
  return `first difference at trace entry ${i}:\n` +
    names.map((n, k) => `  ${n}:\n${around(traces[k], i).map((l) => `    ${l}`).join('\n')}`).join('\n');
}

test('node vs browser: each side against itself (the traces are deterministic)', { timeout: timeout('determinism') }, async (t) => {
  const b = budget('determinism');
  const r = await search({
    seed: SEED,
    ...b,
    check: async (p) => {
      const n1 = await runNode(p);
      const n2 = await runNode(p);
      const b1 = await runBrowser(p);
      const b2 = await runBrowser(p);
      if (!same(n1, n2)) return { side: 'node', traces: [n1, n2] };
      if (!same(b1, b2)) return { side: 'browser', traces: [b1, b2] };
      return null;
    },
  });
  t.diagnostic(`seed ${SEED}: ${r.executed} programs, each twice in Node and twice in Chromium, in ${(r.ms / 1000).toFixed(1)} s`);
  const file = `${OUT_DIR}node-vs-browser-determinism-${SEED >>> 0}.json`;
  await writeFile(file, JSON.stringify({ seed: SEED, executed: r.executed, ms: r.ms, failure: r.first && { program: renderProgram(r.first.p), programJson: jsonable(r.first.p), ...r.first.f } }, null, 2));
  if (r.first) {
    const { p, f } = r.first;
    assert.fail(`not deterministic: ${f.side} against ${f.side} differed (seed ${SEED}; report ${file})\n${renderProgram(p)}\n${formatTraces([`${f.side} 1`, `${f.side} 2`], f.traces)}`);
  }
  assert.ok(r.executed > 0, 'no program ran');
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
});

test('node vs browser: ResilientWebSocket with ws in Node against the native WebSocket in Chromium', { timeout: timeout('differential') }, async (t) => {
  const b = budget('differential');
  const r = await search({
    seed: (SEED + 1) | 0,
    ...b,
    check: async (p) => {
      const n = await runNode(p);
      const br = await runBrowser(p);
      if (same(n, br)) return null;
      // Replayed once more on each side: a side that disagrees with itself is noise, not
      // a divergence (and is reported as such).
      const n2 = await runNode(p);
      const b2 = await runBrowser(p);
      const noisy = [!same(n, n2) && 'node', !same(br, b2) && 'browser'].filter(Boolean);
      return { node: n, browser: br, noisy };
    },
  });
  t.diagnostic(`seed ${(SEED + 1) | 0}: ${r.executed} programs in Node and in Chromium in ${(r.ms / 1000).toFixed(1)} s` +
    (r.first ? ` (shrunk in ${r.shrinks} steps)` : ''));
  const file = `${OUT_DIR}node-vs-browser-differential-${SEED >>> 0}.json`;
  const fail = r.last && {
    program: renderProgram(r.last.p),
    programJson: jsonable(r.last.p),
    firstProgram: renderProgram(r.first.p),
    ...r.last.f,
  };
  await writeFile(file, JSON.stringify({ seed: (SEED + 1) | 0, executed: r.executed, ms: r.ms, failure: fail }, null, 2));
  if (fail) {
    const head = fail.noisy.length ? `the traces are not deterministic (${fail.noisy.join(', ')} differed from itself)` : 'Node (ws) and Chromium disagree';
    assert.fail(`${head} (seed ${(SEED + 1) | 0}; shrunk in ${r.shrinks} steps; report ${file})\n${fail.program}\n${formatTraces(['node', 'browser'], [fail.node, fail.browser])}`);
  }
  assert.ok(r.executed > 0, 'no program ran');
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
});

// The divergences this layer found, as fixed programs (both fixed in src/browser/events.js):
// in Node the ws package delivered a message that arrived after close() (a browser drops
// it: the socket is no longer OPEN), and a socket still connecting when the client gave it
// up (connectTimeout) emitted `error` with no listener left: an uncaught exception.
const FOUND = {
  'message after close()': {
    opts: { pingInterval: 0, pongTimeout: 150, reconnectDelay: 150, connectTimeout: 0, closeTimeout: 400 },
    route: { path: 'echo' },
    routeAttempts: 1,
    arms: [],
    steps: [{ op: 'wait', for: 'open' }, { op: 'send', data: 'text', noQueue: false }, { op: 'close', code: 1000, reason: 'bye', clearQueue: false }, { op: 'idle' }],
  },
  'connectTimeout on a socket still connecting': {
    opts: { pingInterval: 0, pongTimeout: 150, reconnectDelay: 150, connectTimeout: 200, closeTimeout: 400 },
    route: { path: 'hang' },
    routeAttempts: 1,
    arms: [],
    steps: [{ op: 'wait', for: 'close' }, { op: 'wait', for: 'open' }, { op: 'idle' }],
  },
};

test('node vs browser: the divergences found (message after close(), connectTimeout in Node)', { timeout: 60000 }, async () => {
  for (const [name, p] of Object.entries(FOUND)) {
    const n = await runNode(p);
    const b = await runBrowser(p);
    assert.ok(!n.some((e) => e.uncaught), `${name}: ${JSON.stringify(n)}`);
    assert.ok(!n.some((e) => e.ev === 'message' && e.st !== 'open'), `${name}: ${JSON.stringify(n)}`);
    assert.deepEqual(n, b, `${name}: Node and Chromium differ`);
  }
});
