// Randomized differential test "shared vs plain" (docs/shared-tabs.md: every tab's shared
// client behaves as one plain client; the listed limits are the only allowed differences).
//
//   RWS_STATIC_DIR=www/dist scripts/with-server node --test tests/e2e/shared-diff.mjs
//
// A program (fast-check, fixed seed) is a list of steps: a tab's op (send, send with
// { queue: false }, close(code?, reason?, { clearQueue? }), reconnect(), clearQueue()) or a
// global one (/control/drop-all, /control/down?ms=, a wait). It runs on two sides at once,
// in one timeline against one test server (the server ops hit both sides alike):
//   - side B: 2 or 3 tabs (pages of one Chromium context, www/bare.html) with a shared
//     client each, all on one tag: one socket;
//   - side A: for each tab j, a plain client (no `shared`) in its own page of another
//     context, on its own tag, executing tab j's ops and the server ops at the same points.
// Mapping the shared semantics onto the plain twins: close() is tab j's alone (the twin of
// j closes); reconnect() from a tab whose client is attached reconnects the one socket, so
// the twins of every attached tab call reconnect() (a no-op while connecting or waiting, as
// on a plain client); reconnect() from a tab after its own close() rejoins: its twin alone.
// Compared per tab: every non-message event (open, close code/reason/wasClean, error,
// statechange from/to, reconnecting attempt/delay, reconnect, queue-overflow data,
// heartbeat-timeout, reconnect-failed), each op's outcome (thrown error name, return value,
// readyState/state/queuedAmount/queuedBytes right after it) and every tab's state at each
// step boundary, exactly. Messages separately: tab j's echoes of its own sends equal its
// twin's; the echoes of another tab i's sends reach tab j at most once, in tab i's order,
// and all those that arrived while tab j was open.
// Phase 1 runs the same programs with plain clients on both sides (plain vs plain): the
// harness is deterministic (no divergence from scheduling noise).
// Invariants on every run: max_open <= 1 for the shared tag and each twin's, no uncaught
// page error, and 0 open connections after every tab closed.
//
// Determinism (the timeline, not the program, bends; both sides alike): before each step
// the harness waits until every client is settled (no client connecting or closing, every
// waiting client's next attempt more than GUARD ms away, all attached clients of a tab pair
// and of the shared side in one state); server ops wait until every attached client is open;
// an outage's length is moved to the middle between two reconnect attempts; a reconnect()
// waits until an outage is over.
//
// Environment (tests/support/fuzz-env.mjs): RWS_FUZZ_SEED, RWS_FUZZ_RUNS, RWS_FUZZ_TIME_S,
// RWS_FUZZ_SHRINK_S. Reports: test-output/fuzz/shared-diff-*.json.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { FUZZ_SEED, fuzzBudget } from '../support/fuzz-env.mjs';
import { serverStats, sleep } from '../support/until.mjs';

const HTTP = process.env.RWS_TEST_HTTP;
const WS = HTTP?.replace('http', 'ws');
const OUT_DIR = fileURLToPath(new URL('../../test-output/fuzz/', import.meta.url));
const SEED = FUZZ_SEED;

// Budgets (2 cores; a program takes 2-5 s): the two phases together about 60 s.
const BUDGET = {
  'plain-plain': { numRuns: 40, timeS: 15, shrinkS: 30 },
  'plain-shared': { numRuns: 200, timeS: 40, shrinkS: 90 },
};
const budget = (name) => fuzzBudget(BUDGET[name]);
const timeout = (name) => budget(name).timeBudgetMs + budget(name).shrinkBudgetMs + 120000;

/** A waiting client whose next attempt is closer than this is not settled. */
const GUARD = 70;
/** Pause after each step's op (relay and echo latency). */
const GAP = 30;
/** An echo that arrives within this of a tab's state change may or may not reach it. */
const EDGE = 40;
const PING = '{"request":"ping"}';
const MAX_TABS = 3;

// ---- programs ---------------------------------------------------------------------------

const optsArb = fc.record({
  pingInterval: fc.constantFrom(0, 0, 400),
  reconnectDelay: fc.constantFrom(150, 200, 300),
  backoffFactor: fc.constantFrom(1, 1, 2),
  maxQueued: fc.integer({ min: 0, max: 3 }),
  maxQueuedBytes: fc.constantFrom(1 << 20, 1 << 20, 24),
  overflow: fc.constantFrom('drop-oldest', 'drop-newest', 'error'),
});

const tabArb = fc.integer({ min: 0, max: MAX_TABS - 1 });
const stepArb = fc.oneof(
  { weight: 7, arbitrary: fc.record({ tab: tabArb, op: fc.constant('send'), pad: fc.integer({ min: 0, max: 12 }), noQueue: fc.constantFrom(false, false, false, true) }) },
  { weight: 2, arbitrary: fc.record({ tab: tabArb, op: fc.constant('close'), code: fc.constantFrom(undefined, 1000, 3000, 4001), reason: fc.constantFrom('', 'bye'), clear: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ tab: tabArb, op: fc.constant('reconnect') }) },
  { weight: 1, arbitrary: fc.record({ tab: tabArb, op: fc.constant('clearQueue') }) },
  { weight: 2, arbitrary: fc.constant({ op: 'drop' }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('down'), ms: fc.integer({ min: 300, max: 1500 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('wait'), ms: fc.integer({ min: 100, max: 800 }) }) },
);

const programArb = fc.record({
  tabs: fc.constantFrom(2, 2, 3),
  opts: optsArb,
  steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
});

/** The reconnect attempts' times after a drop (cumulative delays), up to `limit` ms. */
function attemptTimes(opts, limit) {
  const out = [];
  let t = 0;
  let d = opts.reconnectDelay;
  while (t <= limit) {
    t += d;
    out.push(t);
    d *= opts.backoffFactor;
  }
  return out;
}

/** An outage's length, moved to the middle between two reconnect attempts (or before the
 *  first one), so the attempt that gets through does not depend on scheduling noise. */
function outageMs(opts, ms) {
  const ts = [0, ...attemptTimes(opts, ms + 2 * opts.reconnectDelay * opts.backoffFactor)];
  let best = null;
  // At most 1 refused attempt (each adds its own latency, far more with 6 pages on a loaded
  // machine: measured, 7 of them at 150 ms, and 2 at 200 ms with 3 tabs, drifted onto the
  // outage's end), with 10 ms allowed for it.
  for (let k = 0; k + 1 < ts.length && k <= 1; k++) {
    const mid = Math.round((ts[k] + ts[k + 1]) / 2) + 10 * k;
    if (best === null || Math.abs(mid - ms) < Math.abs(best - ms)) best = mid;
  }
  return best;
}

const sendData = (tab, k, pad) => `t${tab}:${k}:${'x'.repeat(pad)}`;

function renderProgram(p) {
  const lines = [`// ${p.tabs} tabs, each: new ResilientWebSocket(url, [], ${JSON.stringify({ shared: true, pongTimeout: 2000, ...p.opts })})`];
  p.steps.forEach((s, k) => {
    const tab = s.tab % p.tabs;
    switch (s.op) {
      case 'send': lines.push(`${k}: tab ${tab}: send(${JSON.stringify(sendData(tab, k, s.pad))}${s.noQueue ? ', { queue: false }' : ''})`); break;
      case 'close': {
        const args = s.code === undefined ? (s.clear ? "undefined, undefined, { clearQueue: true }" : '') : `${s.code}, '${s.reason}'${s.clear ? ', { clearQueue: true }' : ''}`;
        lines.push(`${k}: tab ${tab}: close(${args})`);
        break;
      }
      case 'reconnect': lines.push(`${k}: tab ${tab}: reconnect()`); break;
      case 'clearQueue': lines.push(`${k}: tab ${tab}: clearQueue()`); break;
      case 'drop': lines.push(`${k}: server: /control/drop-all`); break;
      case 'down': lines.push(`${k}: server: /control/down?ms=${outageMs(p.opts, s.ms)}  (generated ${s.ms})`); break;
      case 'wait': lines.push(`${k}: wait ${s.ms} ms`); break;
      default: lines.push(`${k}: ?${s.op}`);
    }
  });
  return lines.join('\n');
}

// ---- the page side ----------------------------------------------------------------------

/** Installed once in every page (www/bare.html): `window.H` runs one client and logs it. */
function installHarness(ping) {
  const now = () => performance.timeOrigin + performance.now();
  const H = (window.H = {
    c: null,
    log: [],
    nextAttemptAt: null,
    start(url, opts) {
      H.stop();
      H.log = [];
      H.nextAttemptAt = null;
      const c = (H.c = new rws.ResilientWebSocket(url, [], opts));
      const push = (e) => H.log.push({ ...e, at: now() });
      c.addEventListener('open', () => push({ ty: 'open' }));
      c.addEventListener('close', (e) => push({ ty: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean }));
      c.addEventListener('error', () => push({ ty: 'error' }));
      c.addEventListener('statechange', (e) => push({ ty: 'statechange', from: e.from, to: e.to }));
      c.addEventListener('reconnecting', (e) => {
        push({ ty: 'reconnecting', attempt: e.attempt, delay: e.delay });
        H.nextAttemptAt = now() + e.delay;
      });
      c.addEventListener('reconnect', (e) => push({ ty: 'reconnect', attempt: e.attempt }));
      c.addEventListener('queue-overflow', (e) => push({ ty: 'queue-overflow', data: e.data }));
      c.addEventListener('heartbeat-timeout', () => push({ ty: 'heartbeat-timeout' }));
      c.addEventListener('reconnect-failed', (e) => push({ ty: 'reconnect-failed', attempts: e.attempts }));
      c.addEventListener('message', (e) => {
        // The heartbeat's ping, echoed: one per socket (the leader's, or each twin's).
        if (e.data === ping) return;
        push({ ty: 'message', data: e.data });
      });
    },
    snap() {
      const c = H.c;
      return { rs: c.readyState, state: c.state, q: c.queuedAmount, qb: c.queuedBytes, ba: c.bufferedAmount };
    },
    info() {
      const c = H.c;
      const next = c.state === 'waiting' && H.nextAttemptAt !== null ? H.nextAttemptAt - now() : null;
      return { state: c.state, next, closes: H.log.filter((e) => e.ty === 'close').length };
    },
    /** Runs one op; logs and returns its outcome. */
    op(k, s) {
      const c = H.c;
      let res;
      let err = null;
      try {
        switch (s.op) {
          case 'send': res = s.noQueue ? c.send(s.data, { queue: false }) : c.send(s.data); break;
          case 'close':
            if (s.code === undefined) res = s.clear ? c.close(undefined, undefined, { clearQueue: true }) : c.close();
            else res = s.clear ? c.close(s.code, s.reason, { clearQueue: true }) : c.close(s.code, s.reason);
            break;
          case 'reconnect': res = c.reconnect(); break;
          case 'clearQueue': res = c.clearQueue(); break;
          default: throw new Error(`unknown op ${s.op}`);
        }
      } catch (e) {
        err = e && e.name;
      }
      // reconnect() returns a Promise in some builds: record only plain values.
      if (res !== undefined && !(Array.isArray(res))) res = typeof res === 'object' && res !== null ? Object.prototype.toString.call(res) : res;
      const out = { ty: 'op', k, op: s.op, res: res === undefined ? null : res, err, after: H.snap(), ...(s.mirror ? { mirror: true } : {}) };
      H.log.push({ ...out, at: now() });
      return out;
    },
    /** A marker: every tab's state at a step boundary. */
    sync(k) {
      H.log.push({ ty: 'sync', k, ...H.snap(), at: now() });
    },
    stop() {
      if (H.c && H.c.state !== 'closed') {
        try { H.c.close(); } catch { /* already closing */ }
      }
    },
  });
  window.rwsHarness = true;
}

// ---- the Node side ----------------------------------------------------------------------

let browser;
const pageErrors = [];

before(async () => {
  assert.ok(HTTP, 'RWS_TEST_HTTP is not set: run under RWS_STATIC_DIR=www/dist scripts/with-server');
  await mkdir(OUT_DIR, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});

/** A side: MAX_TABS pages of one context, each with the harness. */
async function openSide(kind, name) {
  const ctx = await browser.newContext();
  const pages = [];
  for (let i = 0; i < MAX_TABS; i++) {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${name} page ${i}: ${e}`));
    await page.goto(`${HTTP}/bare.html`);
    await page.waitForFunction(() => window.rwsReady === true);
    await page.evaluate(installHarness, PING);
    pages.push(page);
  }
  return { kind, name, ctx, pages };
}

let programCounter = 0;
const control = async (path) => {
  try {
    const r = await fetch(`${HTTP}${path}`);
    return r.ok;
  } catch {
    return false; // the server is down (an outage step): nothing to drop
  }
};

/** Runs program `p` on sides a and b; returns `{ traces, stats, errors, tags }`. */
async function runProgram(p, a, b) {
  const n = p.tabs;
  const tag = `sdiff-${SEED >>> 0}-${process.pid}-${++programCounter}`;
  const url = (side, j) => `${WS}/echo?tag=${tag}-${side.kind === 'shared' ? 's' : `${side.name}${j}`}`;
  const tags = [...new Set([a, b].flatMap((side) => Array.from({ length: n }, (_, j) => url(side, j).split('tag=')[1])))];
  const opts = (side) => ({ pongTimeout: 2000, ...p.opts, shared: side.kind === 'shared' });
  const all = [];
  for (let j = 0; j < n; j++) all.push({ side: a, j, page: a.pages[j] }, { side: b, j, page: b.pages[j] });
  const errorsBefore = pageErrors.length;
  let outageUntil = 0;

  const infos = () => Promise.all(all.map((x) => x.page.evaluate(() => window.H.info())));
  /** Every client settled (see the header); gives up after `ms` (the traces then show why). */
  const settled = async ({ allOpen = false, ms = 4000 } = {}) => {
    const t0 = Date.now();
    for (;;) {
      const inf = await infos();
      let ok = Date.now() > outageUntil || !allOpen;
      for (const [i, x] of inf.entries()) {
        if (['connecting', 'closing', 'idle'].includes(x.state)) ok = false;
        if (x.state === 'waiting' && (x.next === null || x.next < GUARD)) ok = false;
        if (allOpen && x.state !== 'open' && x.state !== 'closed') ok = false;
        // A tab and its twin in one state, and the shared side's attached tabs in one state.
        if (i % 2 === 0 && x.state !== inf[i + 1].state) ok = false;
      }
      const attached = inf.filter((_, i) => i % 2 === 1).map((x) => x.state).filter((s) => s !== 'closed');
      if (new Set(attached).size > 1) ok = false;
      if (ok) return true;
      if (Date.now() - t0 > ms) return false;
      await sleep(10);
    }
  };
  const syncAll = (k) => Promise.all(all.map((x) => x.page.evaluate((k) => window.H.sync(k), k)));

  // Start: tab by tab (tab 0 leads), each tab with its twin, each open before the next.
  for (let j = 0; j < n; j++) {
    await Promise.all([a, b].map((side) => side.pages[j].evaluate(([u, o]) => window.H.start(u, o), [url(side, j), opts(side)])));
    const t0 = Date.now();
    while (Date.now() - t0 < 5000) {
      const s = await Promise.all([a, b].map((side) => side.pages[j].evaluate(() => window.H.c.state)));
      if (s.every((x) => x === 'open')) break;
      await sleep(10);
    }
  }
  await settled();
  await syncAll(-1);

  for (const [k, s] of p.steps.entries()) {
    if (s.op === 'wait') {
      await sleep(s.ms);
      continue;
    }
    if (s.op === 'drop' || s.op === 'down') {
      // Server ops hit an open link (an attempt's timing then follows from the drop).
      while (Date.now() < outageUntil + GUARD) await sleep(20);
      await settled({ allOpen: true });
      await syncAll(k);
      if (s.op === 'drop') await control('/control/drop-all');
      else {
        const ms = outageMs(p.opts, s.ms);
        const t0 = Date.now();
        if (await control(`/control/down?ms=${ms}`)) outageUntil = t0 + ms;
      }
      // Every client that was open has seen the drop.
      const t0 = Date.now();
      while (Date.now() - t0 < 3000 && (await infos()).some((x) => x.state === 'open')) await sleep(10);
      await sleep(GAP);
      continue;
    }
    // A tab's op.
    if (s.op === 'reconnect') while (Date.now() < outageUntil + GUARD) await sleep(20);
    await settled();
    await syncAll(k);
    const tab = s.tab % n;
    const op = { ...s, data: s.op === 'send' ? sendData(tab, k, s.pad) : undefined };
    // Which twins act: reconnect() from an attached tab reconnects the one socket, which
    // every attached tab sees; from a closed tab it rejoins that tab only.
    let twins = [tab];
    if (s.op === 'reconnect') {
      const states = await Promise.all(a.pages.slice(0, n).map((pg) => pg.evaluate(() => window.H.c.state)));
      if (states[tab] !== 'closed') twins = states.map((st, j) => (st !== 'closed' ? j : -1)).filter((j) => j >= 0);
      // The acting tab's twin first.
      twins = [tab, ...twins.filter((j) => j !== tab)];
    }
    await Promise.all([
      (async () => { for (const j of twins) await a.pages[j].evaluate(([k, op]) => window.H.op(k, op), [k, { ...op, mirror: j !== tab }]); })(),
      b.pages[tab].evaluate(([k, op]) => window.H.op(k, op), [k, op]),
      // On side b, when it is plain too, the same twins act.
      ...(b.kind === 'plain' ? twins.filter((j) => j !== tab).map((j) => b.pages[j].evaluate(([k, op]) => window.H.op(k, op), [k, { ...op, mirror: true }])) : []),
    ]);
    await sleep(GAP);
  }
  // The end: no reconnect pending (every attached client open again), then the echoes.
  while (Date.now() < outageUntil + GUARD) await sleep(20);
  await settled({ allOpen: true });
  await syncAll(p.steps.length);
  await sleep(150);
  const traces = {};
  for (const side of [a, b]) traces[side.name] = await Promise.all(side.pages.slice(0, n).map((pg) => pg.evaluate(() => window.H.log)));

  // Teardown: every client closes; then no connection is left open.
  await Promise.all(all.map((x) => x.page.evaluate(() => window.H.stop())));
  const stats = {};
  const t0 = Date.now();
  while (Date.now() < outageUntil + 50) await sleep(20);
  for (;;) {
    for (const t of tags) stats[t] = await serverStats(HTTP, t).catch(() => null);
    if (Object.values(stats).every((s) => s && s.open === 0) || Date.now() - t0 > 5000) break;
    await sleep(50);
  }
  return { traces, stats, tags, errors: pageErrors.slice(errorsBefore) };
}

// ---- comparison -------------------------------------------------------------------------

const strip = ({ at, ...rest }) => rest;

/** The docs' normalisations of a non-message trace entry (each listed limit, nothing else). */
function normalise(e) {
  const x = strip(e);
  // "bufferedAmount is per tab (a follower's reads 0 while open: its sends are in flight to
  // the leader)": compared only while closed, where it counts the discarded sends.
  const fixBa = (s) => (s && s.state !== 'closed' ? { ...s, ba: '(open)' } : s);
  if (x.ty === 'sync') return fixBa(x);
  if (x.ty === 'op') return { ...x, after: fixBa(x.after) };
  return x;
}

// Known divergences of the shared mode that stay (each listed in docs/shared-tabs.md). The
// first run of this layer found five more, fixed since (sync-close, async-follower-reconnect,
// sync-leader-rejoin, closed-leader-bufferedAmount, close-while-waiting): their
// canonicalisations are gone, so this layer now fails on them. Each is canonicalised
// away in both traces so the search goes on past it; RWS_SHARED_DIFF_STRICT=1 turns them
// off (the layer then fails on them).
const STRICT = process.env.RWS_SHARED_DIFF_STRICT === '1';
const KNOWN = STRICT ? [] : [
  {
    name: 'rejoin-while-waiting',
    what: 'a tab closed by its user while the shared socket waits to reconnect, then ' +
      'reconnect(): it rejoins the wait (closed -> waiting, connecting on the shared timer); ' +
      "a plain client's reconnect() after close() connects at once (closed -> connecting)",
    // Rewrites [closed -> waiting, reconnect() returning waiting, waiting -> connecting] as
    // [closed -> connecting, reconnect() returning connecting].
    fix(events) {
      const out = [...events];
      for (let i = 2; i < out.length; i++) {
        const [sc, op, nx] = [out[i - 2], out[i - 1], out[i]];
        if (!(sc.ty === 'statechange' && sc.from === 'closed' && sc.to === 'waiting' && op.ty === 'op' && op.op === 'reconnect' && op.after.state === 'waiting' && nx.ty === 'statechange' && nx.from === 'waiting' && nx.to === 'connecting')) continue;
        out.splice(i - 2, 3, { ty: 'statechange', from: 'closed', to: 'connecting' }, { ...op, after: { ...op.after, rs: 0, state: 'connecting' } });
        // ... and the shared reconnect's success, `reconnect` after the `open`, which a
        // plain client's fresh connect does not have.
        if (out[i]?.ty === 'statechange' && out[i].to === 'open' && out[i + 1]?.ty === 'open' && out[i + 2]?.ty === 'reconnect') out.splice(i + 2, 1);
      }
      // The same when the rejoin's own task came before the shared timer: [closed ->
      // connecting, reconnect() returning connecting, connecting -> waiting, waiting ->
      // connecting] (the leader's tab sees the socket a task later, and it was waiting).
      for (let i = 1; i + 2 < out.length; i++) {
        const [op, a, b] = [out[i], out[i + 1], out[i + 2]];
        if (!(op.ty === 'op' && op.op === 'reconnect' && op.after.state === 'connecting' && out[i - 1].ty === 'statechange' && out[i - 1].from === 'closed' && out[i - 1].to === 'connecting')) continue;
        if (!(a.ty === 'statechange' && a.from === 'connecting' && a.to === 'waiting' && b.ty === 'statechange' && b.from === 'waiting' && b.to === 'connecting')) continue;
        out.splice(i + 1, 2);
        if (out[i + 1]?.ty === 'statechange' && out[i + 1].to === 'open' && out[i + 2]?.ty === 'open' && out[i + 3]?.ty === 'reconnect') out.splice(i + 3, 1);
      }
      return out;
    },
  },
];

/** The intervals during which a trace's client was open. */
function openIntervals(trace) {
  const out = [];
  let from = null;
  for (const e of trace) {
    if (e.ty !== 'statechange') continue;
    if (e.to === 'open') from = e.at;
    else if (e.from === 'open' && from !== null) {
      out.push([from, e.at]);
      from = null;
    }
  }
  if (from !== null) out.push([from, Infinity]);
  return out;
}

/** Differences of trace b from trace a (tab `j`); `mode` 'exact' or 'shared'. */
function compare(p, ta, tb, mode) {
  const diffs = [];
  const n = p.tabs;
  for (let j = 0; j < n; j++) {
    // A twin's reconnect() that mirrors another tab's is the harness's, not the program's:
    // its events count, its op entry does not.
    const events = (t) => KNOWN.reduce((es, k) => k.fix(es), t.filter((e) => e.ty !== 'message' && !e.mirror).map(normalise));
    const ea = events(ta[j]);
    const eb = events(tb[j]);
    const len = Math.max(ea.length, eb.length);
    for (let i = 0; i < len; i++) {
      if (JSON.stringify(ea[i]) !== JSON.stringify(eb[i])) {
        diffs.push({ tab: j, kind: 'events', at: i, a: ea.slice(Math.max(0, i - 4), i + 4), b: eb.slice(Math.max(0, i - 4), i + 4), sigA: ea[i], sigB: eb[i] });
        break;
      }
    }
    const msgs = (t) => t.filter((e) => e.ty === 'message');
    const from = (t, i) => msgs(t).filter((e) => e.data.startsWith(`t${i}:`));
    const ma = msgs(ta[j]).map((e) => e.data);
    if (mode === 'exact') {
      const mb = msgs(tb[j]).map((e) => e.data);
      if (JSON.stringify(ma) !== JSON.stringify(mb)) diffs.push({ tab: j, kind: 'messages', a: ma, b: mb });
      continue;
    }
    // Its own sends' echoes: exactly the twin's.
    const own = from(tb[j], j).map((e) => e.data);
    if (JSON.stringify(ma) !== JSON.stringify(own)) diffs.push({ tab: j, kind: 'own echoes', a: ma, b: own });
    // Another tab's: once, in that tab's order, and all that came while this tab was open.
    const open = openIntervals(tb[j]);
    for (let i = 0; i < n; i++) {
      if (i === j) continue;
      const ref = msgs(ta[i]).map((e) => e.data);
      const arrivals = new Map();
      for (let t = 0; t < n; t++) for (const e of from(tb[t], i)) if (!arrivals.has(e.data) || arrivals.get(e.data) > e.at) arrivals.set(e.data, e.at);
      for (const e of msgs(ta[i])) if (!arrivals.has(e.data)) arrivals.set(e.data, e.at);
      const got = from(tb[j], i).map((e) => e.data);
      const idx = got.map((d) => ref.indexOf(d));
      const problems = [];
      if (new Set(got).size !== got.length) problems.push('an echo twice');
      if (idx.some((x) => x < 0)) problems.push(`an echo tab ${i}'s twin never got: ${got.filter((_, q) => idx[q] < 0)}`);
      if (idx.some((x, q) => q > 0 && x < idx[q - 1])) problems.push('out of order');
      const missing = ref.filter((d) => {
        const t = arrivals.get(d);
        return !got.includes(d) && open.some(([s, e]) => s <= t - EDGE && t + EDGE <= e);
      });
      if (missing.length) problems.push(`missing (arrived while open): ${missing.join(', ')}`);
      if (problems.length) diffs.push({ tab: j, kind: `echoes of tab ${i}`, problems, ref, got });
    }
  }
  return diffs;
}

/** Invariant violations of one run. */
function invariants(run, sharedTag, sharedSide) {
  const v = [];
  for (const [t, s] of Object.entries(run.stats)) {
    if (!s) v.push(`${t}: no stats`);
    else {
      // One connection at a time, for the shared tabs and for every plain twin: reconnect()
      // closes the old socket before it opens the next one.
      if (s.max_open > 1) v.push(`${t}: max_open ${s.max_open}${t === sharedTag ? ' (the shared tag)' : ''}`);
      if (s.open !== 0) v.push(`${t}: ${s.open} connection(s) open after every tab closed`);
    }
  }
  for (const e of run.errors) v.push(`uncaught page error: ${e}`);
  return v;
}

/** One program on both sides: null, or the failure (divergences, invariants, traces). */
async function check(p, a, b) {
  const run = await runProgram(p, a, b);
  const mode = b.kind === 'shared' ? 'shared' : 'exact';
  const diffs = compare(p, run.traces[a.name], run.traces[b.name], mode);
  const sharedTag = run.tags.find((t) => t.endsWith('-s'));
  const inv = invariants(run, sharedTag, b.name);
  if (!diffs.length && !inv.length) return null;
  return { diffs, invariants: inv, traces: run.traces, stats: run.stats };
}

/** fast-check with a time budget for new programs and one for shrinking (as www/src/fuzz/common.js). */
async function runProperty({ seed, numRuns, timeBudgetMs, shrinkBudgetMs, check }) {
  const t0 = Date.now();
  let executed = 0;
  let shrinkRuns = 0;
  let first = null;
  let last = null;
  let shrinkDeadline = null;
  const prop = fc.asyncProperty(programArb, async (p) => {
    if (shrinkDeadline === null && Date.now() - t0 > timeBudgetMs) return true;
    if (shrinkDeadline !== null && Date.now() > shrinkDeadline) return true;
    if (shrinkDeadline === null) executed++;
    else shrinkRuns++;
    const failure = await check(p);
    if (!failure) return true;
    if (!first) {
      first = { p, failure };
      shrinkDeadline = Date.now() + shrinkBudgetMs;
    }
    last = { p, failure };
    return false;
  });
  const details = await fc.check(prop, { seed, numRuns, endOnFailure: false });
  return { executed, shrinkRuns, ms: Date.now() - t0, first, last, error: details.failed && !last ? String(details.errorInstance) : null };
}

function summary(f) {
  const lines = [];
  for (const d of f.diffs) {
    if (d.kind === 'events') {
      lines.push(`  tab ${d.tab}: events differ at entry ${d.at}:`);
      lines.push(`    plain : ${JSON.stringify(d.sigA)}`);
      lines.push(`    other : ${JSON.stringify(d.sigB)}`);
      lines.push(`    plain around it : ${d.a.map((e) => JSON.stringify(e)).join('\n                      ')}`);
      lines.push(`    other around it : ${d.b.map((e) => JSON.stringify(e)).join('\n                      ')}`);
    } else if (d.problems) lines.push(`  tab ${d.tab}: ${d.kind}: ${d.problems.join('; ')}\n    tab's order: ${JSON.stringify(d.ref)}\n    got: ${JSON.stringify(d.got)}`);
    else lines.push(`  tab ${d.tab}: ${d.kind} differ:\n    plain: ${JSON.stringify(d.a)}\n    other: ${JSON.stringify(d.b)}`);
  }
  for (const v of f.invariants) lines.push(`  invariant: ${v}`);
  return lines.join('\n');
}

async function phase(t, name, kinds) {
  const b = budget(name);
  const a = await openSide(kinds[0], kinds[0] === kinds[1] ? 'plainA' : 'plain');
  const o = await openSide(kinds[1], kinds[0] === kinds[1] ? 'plainB' : kinds[1]);
  try {
    const t0 = Date.now();
    const r = await runProperty({ seed: SEED, ...b, check: (p) => check(p, a, o) });
    const ms = Date.now() - t0;
    t.diagnostic(`${name}: seed ${SEED} (RWS_FUZZ_SEED=${SEED} to repeat), ${r.executed} programs, ${r.shrinkRuns} shrink runs, ${(ms / 1000).toFixed(1)} s`);
    if (name !== 'plain-plain') for (const k of KNOWN) t.diagnostic(`known divergence, canonicalised (RWS_SHARED_DIFF_STRICT=1 to fail on it): ${k.name}: ${k.what}`);
    if (r.error) assert.fail(`harness error: ${r.error}`);
    if (r.last) {
      // The shrunk program again, twice: is it reproducible?
      let again = 0;
      for (let i = 0; i < 2; i++) if (await check(r.last.p, a, o)) again++;
      const file = `${OUT_DIR}shared-diff-${name}-${SEED >>> 0}.json`;
      const report = {
        seed: SEED, phase: name, reproduced: `${again}/2 reruns`,
        program: renderProgram(r.last.p).split('\n'), programJson: r.last.p,
        divergences: r.last.failure.diffs, invariants: r.last.failure.invariants,
        stats: r.last.failure.stats, traces: r.last.failure.traces,
        first: { program: renderProgram(r.first.p).split('\n'), divergences: r.first.failure.diffs, invariants: r.first.failure.invariants },
      };
      await writeFile(file, JSON.stringify(report, null, 2));
      const head = name === 'plain-plain'
        ? 'the harness is not deterministic: plain against plain differed'
        : 'shared clients diverged from plain clients';
      assert.fail(`${head} (seed ${SEED}; shrunk program reproduced ${again}/2; report: ${file})\n` +
        `${renderProgram(r.last.p)}\n${summary(r.last.failure)}`);
    }
    assert.ok(r.executed > 0, 'no program ran');
  } finally {
    await a.ctx.close();
    await o.ctx.close();
  }
}

test('shared vs plain: plain clients against plain clients (the harness is deterministic)', { timeout: timeout('plain-plain') }, async (t) => {
  await phase(t, 'plain-plain', ['plain', 'plain']);
});

test('shared vs plain: every tab\'s shared client against a plain client', { timeout: timeout('plain-shared') }, async (t) => {
  await phase(t, 'plain-shared', ['plain', 'shared']);
});
