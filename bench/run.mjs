// The benchmark driver (run by scripts/bench, under scripts/with-server with
// RWS_STATIC_DIR=the bench site). Launches headless Chromium with
// playwright-core, opens ONE page (over a raw CDP session, see cdp-page.mjs) and runs
// every scenario for the four clients in alternation (A B C D A B C D …),
// reading Chromium's main-thread accounting (CDP Performance.getMetrics:
// ScriptDuration, TaskDuration) before and after each run; then the memory
// (1000 forced reconnects) and idle (100 clients, heartbeat on) tests.
// Prints a table and writes the JSON document.
//
//   node bench/run.mjs [--rounds N] [--quick] [--idle-seconds S] [--site DIR] [--out FILE]
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/support/chromium.mjs';
import { openPage } from './cdp-page.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// ---- options ----
const argv = process.argv.slice(2);
const opt = { rounds: null, quick: false, idleSeconds: null, site: join(root, 'test-output/bench/site'), out: join(root, 'test-output/bench/latest.json') };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => {
    if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
    return argv[++i];
  };
  if (a === '--rounds') opt.rounds = Number(val());
  else if (a === '--quick') opt.quick = true;
  else if (a === '--idle-seconds') opt.idleSeconds = Number(val());
  else if (a === '--site') opt.site = val();
  else if (a === '--out') opt.out = val();
  else throw new Error(`unknown argument ${a}`);
}
const rounds = opt.rounds ?? (opt.quick ? 3 : 7);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const idleSeconds = opt.idleSeconds ?? (opt.quick ? 10 : 60);
const div = opt.quick ? 10 : 1; // --quick: counts ÷ 10
const HTTP = process.env.RWS_TEST_HTTP;
if (!HTTP) throw new Error('RWS_TEST_HTTP is not set: run under scripts/with-server (scripts/bench does)');

const CLIENTS = process.env.RWS_BENCH_CLIENTS ? process.env.RWS_BENCH_CLIENTS.split(',') : ['raw', 'resilient', 'partysocket', 'reconnecting-websocket'];
const LABEL = {
  raw: 'raw WebSocket',
  resilient: 'ResilientWebSocket',
  partysocket: 'partysocket',
  'reconnecting-websocket': 'reconnecting-websocket',
};

const KiB = 1024;
const MiB = 1024 * KiB;
const fmtSize = (b) => (b >= MiB ? `${b / MiB} MiB` : b >= KiB ? `${b / KiB} KiB` : `${b} B`);
const q = (n) => Math.max(1, Math.round(n / div));

const SCENARIOS = [
  { id: 'recv_text_64B', group: 'receive', kind: 'recv', n: q(100000), size: 64, binary: false, route: '/blast' },
  { id: 'recv_binary_64KiB', group: 'receive', kind: 'recv', n: q(2000), size: 64 * KiB, binary: true, route: '/blast' },
  { id: 'send_text_64B', group: 'send', kind: 'send', n: q(100000), size: 64, route: '/sink' },
  { id: 'echo_text_64B', group: 'echo', kind: 'echo', n: q(10000), size: 64, route: '/echo' },
];
// Scaling: binary receives at four sizes, ~64 MiB per run, at most 50 000 messages
// (fewer messages for large sizes; --quick ÷ 10, at least 8).
for (const size of [64, 4 * KiB, 64 * KiB, MiB]) {
  SCENARIOS.push({
    id: `scale_recv_binary_${fmtSize(size).replace(' ', '')}`,
    group: 'scaling',
    kind: 'recv',
    n: Math.max(8, q(Math.min(50000, Math.floor((64 * MiB) / size)))),
    size,
    binary: true,
    route: '/blast',
  });
}
if (process.env.RWS_BENCH_SCENARIOS) {
  const keep = process.env.RWS_BENCH_SCENARIOS.split(',');
  for (let i = SCENARIOS.length - 1; i >= 0; i--) if (!keep.includes(SCENARIOS[i].id)) SCENARIOS.splice(i, 1);
}
for (const sc of SCENARIOS) {
  sc.title =
    sc.kind === 'recv'
      ? `receive ${sc.n} × ${fmtSize(sc.size)} ${sc.binary ? 'binary (arraybuffer)' : 'text'}`
      : sc.kind === 'send'
        ? `send ${sc.n} × ${fmtSize(sc.size)} text`
        : `${sc.n} sequential echo round trips × ${fmtSize(sc.size)}`;
  sc.unit = sc.kind === 'echo' ? 'µs/round trip' : 'msg/s';
  sc.timeoutMs = 180000;
}

const MEMORY = { warmup: 50, reconnects: 1000, reconnectDelay: 5 };
const IDLE = { clients: 100, seconds: idleSeconds };

// ---- helpers ----
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summary = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x));
  return s.length ? { median: round(median(s)), min: round(Math.min(...s)), max: round(Math.max(...s)), n: s.length } : { median: null, min: null, max: null, n: 0 };
};
const round = (x, d = 4) => (Number.isFinite(x) ? Number(x.toPrecision(d + 2)) : x);
const now = () => performance.now();

async function serverStats(tag) {
  const r = await fetch(`${HTTP}/control/stats?tag=${encodeURIComponent(tag)}`);
  return r.json();
}

async function serverUp() {
  try {
    return (await fetch(`${HTTP}/healthz`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

function git(...args) {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

// ---- browser ----
const t0 = now();
const loadAtStart = loadavg().map((x) => round(x, 2));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // The shared flags (webdriver.json: includes --js-flags=--expose-gc) + precise memory.
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
});
let exitCode = 0;
try {
  const pageErrors = [];
  // Not a playwright-managed page: see bench/cdp-page.mjs (playwright's
  // per-frame WebSocket instrumentation would dominate the measurement).
  const page = await openPage(browser, `${HTTP}/index.html`, { onError: (e) => pageErrors.push(e) });
  const cdp = page;
  // threadTicks: durations in main-thread CPU time, so time the thread spends
  // preempted by other processes on this shared 2-core machine is not counted.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const metrics = async () => {
    const { metrics: ms } = await cdp.send('Performance.getMetrics');
    const get = (name) => ms.find((m) => m.name === name)?.value ?? NaN;
    return { script: get('ScriptDuration'), task: get('TaskDuration') };
  };
  const gc = () => page.evaluate(() => {
    gc();
    gc();
  });
  const wasmMemory = () => page.evaluate(() => window.bench.wasmMemory());
  const wasmMemoryAtStart = await wasmMemory();

  // One measured run: GC first (outside the window); connecting (socket creation → open)
  // and the data phase ("go" → last message) measured apart.
  async function measure(client, sc) {
    await gc();
    const m0 = await metrics();
    let r;
    let m1;
    try {
      await page.evaluate(([c, s]) => window.bench.prepare(c, s), [client, sc]);
      m1 = await metrics();
      r = await page.evaluate(() => window.bench.go());
    } catch (e) {
      await page.evaluate(() => window.bench.closeCurrent()).catch(() => {});
      if (!(await serverUp())) throw new Error(`the test server is gone (during ${sc.id} ${client}); aborting`);
      return { error: String(e.message || e).split('\n')[0] };
    }
    const m2 = await metrics();
    const closed = await page.evaluate(() => window.bench.closeCurrent());
    const out = {
      ms: r.ms,
      openMs: r.openMs,
      script: m2.script - m1.script,
      task: m2.task - m1.task,
      connectScript: m1.script - m0.script,
      closed,
    };
    if (sc.kind === 'recv' && r.bytes !== sc.n * sc.size) out.error = `received ${r.bytes} B, expected ${sc.n * sc.size}`;
    if (sc.kind === 'send') {
      let reply = {};
      try {
        reply = JSON.parse(r.last);
      } catch {
        // reported below
      }
      if (reply.count !== sc.n || reply.bytes !== sc.n * sc.size) out.error = `server reply ${r.last}`;
    }
    out.value = sc.kind === 'echo' ? (r.ms * 1000) / sc.n : sc.n / (r.ms / 1000);
    return out;
  }

  // ---- throughput / script time: rounds × scenarios × clients ----
  const raw = Object.fromEntries(SCENARIOS.map((sc) => [sc.id, Object.fromEntries(CLIENTS.map((c) => [c, []]))]));
  const tRounds = now();
  for (let r = 0; r < rounds; r++) {
    const tr = now();
    for (const sc of SCENARIOS) {
      for (const c of CLIENTS) {
        const res = await measure(c, sc);
        raw[sc.id][c].push(res);
        if (res.error) console.error(`bench: round ${r + 1} ${sc.id} ${c}: ${res.error}`);
      }
    }
    console.error(`bench: round ${r + 1}/${rounds} done in ${((now() - tr) / 1000).toFixed(1)} s`);
  }
  const roundsSeconds = (now() - tRounds) / 1000;

  const scenarios = {};
  for (const sc of SCENARIOS) {
    const runs = raw[sc.id];
    const per = {};
    for (const c of CLIENTS) {
      const vals = runs[c].map((x) => (x.error ? NaN : x.value));
      const scr = runs[c].map((x) => (x.error ? NaN : x.script));
      const ratio = runs[c].map((x, i) => (x.error || runs.raw[i].error ? NaN : x.value / runs.raw[i].value));
      const scriptRatio = runs[c].map((x, i) => (x.error || runs.raw[i].error ? NaN : x.script / runs.raw[i].script));
      per[c] = {
        value: summary(vals),
        ratioToRaw: summary(ratio),
        scriptUsPerMessage: summary(scr.map((s) => (s * 1e6) / sc.n)),
        scriptRatioToRaw: summary(scriptRatio),
        taskUsPerMessage: summary(runs[c].map((x) => (x.error ? NaN : (x.task * 1e6) / sc.n))),
        connectScriptMs: summary(runs[c].map((x) => (x.error ? NaN : x.connectScript * 1000))),
        errors: runs[c].filter((x) => x.error).map((x) => x.error),
        rounds: runs[c].map((x) =>
          x.error ? { error: x.error } : { value: round(x.value), ms: round(x.ms), scriptMs: round(x.script * 1000), taskMs: round(x.task * 1000), openMs: round(x.openMs, 2), connectScriptMs: round(x.connectScript * 1000) },
        ),
      };
      if (sc.kind === 'recv') per[c].MBps = summary(vals.map((v) => (v * sc.size) / 1e6));
    }
    scenarios[sc.id] = {
      title: sc.title,
      group: sc.group,
      route: sc.route,
      messages: sc.n,
      size: sc.size,
      binary: sc.binary ?? false,
      unit: sc.unit,
      ratioMeaning: sc.kind === 'echo' ? 'µs per round trip ÷ raw (lower is better)' : 'msg/s ÷ raw (higher is better)',
      clients: per,
    };
  }

  // ---- memory: 1000 forced reconnects of one ResilientWebSocket ----
  const tMem = now();
  const memTag = `bench-mem-${process.pid}-${Date.now().toString(36)}`;
  const snapshot = async () => {
    await gc();
    const heap = await cdp.send('Runtime.getHeapUsage');
    const perfMem = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
    return { wasmMemory: await wasmMemory(), jsHeapUsed: heap.usedSize, jsHeapTotal: heap.totalSize, usedJSHeapSize: perfMem };
  };
  let memory;
  try {
    await page.evaluate((o) => window.bench.memStart(o), { tag: memTag, reconnectDelay: MEMORY.reconnectDelay });
    const warm = await page.evaluate(([n, t]) => window.bench.memReconnect(n, t), [MEMORY.warmup, 120000]);
    await sleep(200);
    const before = { ...(await snapshot()), state: warm };
    const tm = now();
    const done = await page.evaluate(([n, t]) => window.bench.memReconnect(n, t), [MEMORY.reconnects, 600000]);
    const reconnectSeconds = (now() - tm) / 1000;
    await sleep(200);
    const after = { ...(await snapshot()), state: done };
    // The server counts a connection until its socket is gone: give the last drop a moment.
    let stats = await serverStats(memTag);
    for (let i = 0; i < 40 && stats.open !== 1; i++) {
      await sleep(50);
      stats = await serverStats(memTag);
    }
    await page.evaluate(() => window.bench.memStop());
    memory = {
      client: 'ResilientWebSocket',
      options: { reconnectDelay: MEMORY.reconnectDelay, note: 'all other options default (heartbeat on, pingInterval 30000)' },
      method: `connect to /echo?tag=T; on each open the page calls GET /control/drop-all (server drops the TCP connection without a close frame) until the target count of opens is reached; warm-up ${MEMORY.warmup} reconnects, then ${MEMORY.reconnects} measured`,
      warmupReconnects: MEMORY.warmup,
      measuredReconnects: done.reconnects - warm.reconnects,
      reconnectSeconds: round(reconnectSeconds),
      before,
      after,
      wasmMemoryGrowth: after.wasmMemory - before.wasmMemory,
      jsHeapGrowth: after.jsHeapUsed - before.jsHeapUsed,
      serverStats: stats,
      openConnections: stats.open,
    };
  } catch (e) {
    memory = { error: String(e.message || e).split('\n')[0] };
    console.error(`bench: memory test failed: ${memory.error}`);
    await page.evaluate(() => window.bench.memStop()).catch(() => {});
  }
  const memSeconds = (now() - tMem) / 1000;

  // ---- idle: 100 ResilientWebSockets, default heartbeat, on /echo ----
  const tIdle = now();
  const idleTag = `bench-idle-${process.pid}-${Date.now().toString(36)}`;
  let idle;
  try {
    const s0 = await page.evaluate((o) => window.bench.idleStart(o), { n: IDLE.clients, tag: idleTag, timeoutMs: 60000 });
    await gc();
    const m0 = await metrics();
    const w0 = now();
    await sleep(IDLE.seconds * 1000);
    const m1 = await metrics();
    const wall = (now() - w0) / 1000;
    const s1 = await page.evaluate(() => window.bench.idleState());
    const stats = await serverStats(idleTag);
    await page.evaluate(() => window.bench.idleStop());
    idle = {
      clients: IDLE.clients,
      options: 'defaults (pingInterval 30000, pongTimeout 5000, reconnect on)',
      route: '/echo (pings are echoed back as pongs)',
      seconds: round(wall),
      scriptMs: round((m1.script - m0.script) * 1000),
      taskMs: round((m1.task - m0.task) * 1000),
      scriptPercentOfOneCore: round(((m1.script - m0.script) / wall) * 100, 3),
      pongsReceived: s1.messages - s0.messages,
      expectedPongs: IDLE.clients * Math.floor(IDLE.seconds / 30),
      reconnects: s1.reconnects,
      heartbeatTimeouts: s1.heartbeatTimeouts,
      openInPage: s1.open,
      serverStats: stats,
      openConnections: stats.open,
    };
  } catch (e) {
    idle = { error: String(e.message || e).split('\n')[0] };
    console.error(`bench: idle test failed: ${idle.error}`);
  }
  const idleWall = (now() - tIdle) / 1000;
  const wasmMemoryAtEnd = await wasmMemory();

  // ---- sizes ----
  const sizes = JSON.parse(readFileSync(join(opt.site, 'sizes.json'), 'utf8'));

  // ---- targets ----
  const targets = [];
  const target = (name, value, limit, pass, detail) => targets.push({ name, value: value ?? null, limit, pass: value == null || Number.isNaN(value) ? null : pass, ...(detail ? { detail } : {}) });
  const ours = (id) => scenarios[id].clients.resilient;
  const party = (id) => scenarios[id].clients.partysocket;
  for (const sc of SCENARIOS) {
    const s = ours(sc.id).scriptRatioToRaw.median;
    const lim = sc.kind === 'recv' ? 1.3 : 1.5;
    target(`script time ≤ ${lim}× raw: ${sc.id}`, round(s, 3), `≤ ${lim}`, s <= lim);
  }
  for (const sc of SCENARIOS) {
    if (sc.kind === 'echo') continue;
    const r = ours(sc.id).ratioToRaw.median;
    target(`throughput ≥ 0.97× raw: ${sc.id}`, round(r, 3), '≥ 0.97', r >= 0.97);
    // (Only when partysocket ran: RWS_BENCH_CLIENTS may leave it out.)
    if (party(sc.id) === undefined) continue;
    const p = party(sc.id).ratioToRaw.median;
    target(`throughput above partysocket: ${sc.id}`, round(r, 3), `> partysocket ${round(p, 3)}`, r > p);
  }
  for (const sc of SCENARIOS.filter((s) => s.kind === 'echo')) {
    const r = ours(sc.id).ratioToRaw.median;
    target(`round trip ≤ 1.03× raw: ${sc.id}`, round(r, 3), '≤ 1.03', r <= 1.03);
  }
  target('release wasm + JS glue ≤ 20 KB gzip -9 (B)', sizes.resilientWs.total.gzip9, '≤ 20 KB (20000)', sizes.resilientWs.total.gzip9 <= 20000);
  target(`wasm memory growth over ${MEMORY.reconnects} reconnects (B)`, memory.wasmMemoryGrowth, '= 0 B', memory.wasmMemoryGrowth === 0);
  target(`open connections after ${MEMORY.reconnects} reconnects`, memory.openConnections, '= 1', memory.openConnections === 1);
  target(`JS heap growth over ${MEMORY.reconnects} reconnects (B)`, memory.jsHeapGrowth, '< 1 MB (1000000)', memory.jsHeapGrowth < 1e6);
  target(`idle: open connections on the server`, idle.openConnections, `= ${IDLE.clients}`, idle.openConnections === IDLE.clients);

  const chromiumVersion = browser.version();
  const doc = {
    tool: 'resilient-ws scripts/bench',
    date: new Date().toISOString(),
    git: { commit: git('rev-parse', 'HEAD'), dirty: (git('status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock') ?? '') !== '' },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: round(totalmem() / 2 ** 30, 2),
      node: process.version,
      chromium: chromiumVersion,
      loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => round(x, 2)), note: '1/5/15-minute load averages of the whole machine (other work running skews wall-clock numbers)' },
    },
    config: {
      quick: opt.quick,
      rounds,
      order: `each round runs every scenario for ${CLIENTS.join(', ')} in that order`,
      clients: {
        raw: 'new WebSocket(url)',
        resilient: 'new ResilientWebSocket(url) — default options (heartbeat every 30 s, reconnect on)',
        partysocket: `new (default export of partysocket/ws)(url) — default options, partysocket ${sizes.peers.partysocket.version}`,
        'reconnecting-websocket': `new ReconnectingWebSocket(url) — default options, reconnecting-websocket ${sizes.peers['reconnecting-websocket'].version}`,
      },
      handler: "ws.onmessage = e => { bytes += typeof e.data === 'string' ? e.data.length : e.data.byteLength; count++; … } on every client, compiled once per client (bench/page/bench.js handlerFor: closures of one function literal share their inline caches); binaryType = 'arraybuffer'",
      driver:
        'playwright-core launches Chromium; the bench page is opened in a separate browser context over a raw CDP session (bench/cdp-page.mjs) with only Page, Runtime and Performance enabled, because playwright-managed pages get Network.enable and a DevTools event per WebSocket frame, which halved raw receive throughput and doubled its script time here',
      timing: 'wall: "go" (the data phase starts: the first send, or for receives the message that starts /blast?go=1) → last expected message (performance.now()); script/task: CDP Performance.enable({timeDomain: \'threadTicks\'}) (main-thread CPU time, not wall time) then Performance.getMetrics ScriptDuration/TaskDuration delta around the data phase ("go" → last message); connecting (socket creation → open) is measured apart as connectScriptMs; a forced GC before each run, outside both windows',
    },
    sizes,
    scenarios,
    memory,
    idle,
    wasmMemory: { atStart: wasmMemoryAtStart, atEnd: wasmMemoryAtEnd },
    targets,
    pageErrors: pageErrors.slice(0, 50),
    seconds: { rounds: round(roundsSeconds), memory: round(memSeconds), idle: round(idleWall), total: round((now() - t0) / 1000) },
  };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(doc, null, 2) + '\n');
  console.log(JSON.stringify(doc));
  console.log('');
  console.log(table(doc));
  console.log(`bench: JSON written to ${opt.out}`);
} catch (e) {
  console.error(`bench: ${e.stack || e}`);
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
}
process.exit(exitCode);

// ---- the human table ----
function table(doc) {
  const lines = [];
  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);
  const num = (x) => {
    if (x == null) return '—';
    const a = Math.abs(x);
    if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
    if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
    if (a >= 100) return x.toFixed(0);
    if (a >= 10) return x.toFixed(1);
    return x.toFixed(2);
  };
  const mmm = (s) => (s.median == null ? '—' : `${num(s.median)} [${num(s.min)}–${num(s.max)}]`);
  const rat = (s) => (s.median == null ? '—' : `${s.median.toFixed(2)} [${s.min.toFixed(2)}–${s.max.toFixed(2)}]`);
  lines.push(`resilient-ws bench — ${doc.config.rounds} rounds${doc.config.quick ? ' (--quick: counts ÷ 10)' : ''}; median [min–max] over rounds; ratios are to raw WebSocket in the same round`);
  lines.push(`chromium ${doc.machine.chromium}, ${doc.machine.cpus} cores, node ${doc.machine.node}, commit ${doc.git.commit?.slice(0, 10)}${doc.git.dirty ? ' (+ uncommitted src changes)' : ''}; load average ${doc.machine.loadAverage.atStart.join(' ')} at start, ${doc.machine.loadAverage.atEnd.join(' ')} at end`);
  for (const s of Object.values(doc.scenarios)) {
    lines.push('');
    lines.push(`${s.title} (${s.route}) — ${s.unit}`);
    const per = s.unit === 'msg/s' ? 'msg' : 'rt';
    lines.push(`  ${pad('client', 24)}${pad(s.unit, 28)}${pad('ratio to raw', 20)}${pad(`script µs/${per}`, 15)}${pad('script ratio', 20)}${s.clients.raw.MBps ? 'MB/s' : ''}`);
    for (const [c, r] of Object.entries(s.clients)) {
      const err = r.errors.length ? `  (${r.errors.length} failed runs)` : '';
      lines.push(`  ${pad(LABEL[c] ?? c, 24)}${pad(mmm(r.value), 28)}${pad(rat(r.ratioToRaw), 20)}${pad(num(r.scriptUsPerMessage.median), 15)}${pad(rat(r.scriptRatioToRaw), 20)}${r.MBps ? num(r.MBps.median) : ''}${err}`);
    }
  }
  lines.push('');
  lines.push('connecting (socket creation → open, measured apart from the data phases above): script ms per socket, median [min–max] over every run');
  for (const c of Object.keys(Object.values(doc.scenarios)[0].clients)) {
    const all = Object.values(doc.scenarios).flatMap((s) => s.clients[c].rounds.map((r) => r.connectScriptMs ?? NaN));
    lines.push(`  ${pad(LABEL[c] ?? c, 24)}${mmm(summary(all))}`);
  }
  lines.push('');
  const z = doc.sizes.resilientWs;
  lines.push('sizes (bytes, raw / gzip -9)');
  lines.push(`  ResilientWebSocket      wasm ${z.wasm.raw} / ${z.wasm.gzip9} + JS glue ${z.glue.raw} / ${z.glue.gzip9}${z.snippets.length ? ` + snippets ${z.snippets.reduce((a, x) => a + x.raw, 0)} / ${z.snippets.reduce((a, x) => a + x.gzip9, 0)}` : ''} = ${z.total.raw} / ${z.total.gzip9}  (glue minified for reference: ${z.glueMinifiedForReference.raw} / ${z.glueMinifiedForReference.gzip9})`);
  for (const [name, p] of Object.entries(doc.sizes.peers)) lines.push(`  ${pad(name + ' ' + p.version, 30)}esbuild --minify bundle ${p.bundle.raw} / ${p.bundle.gzip9}`);
  lines.push('');
  const m = doc.memory;
  if (m.error) lines.push(`memory: FAILED: ${m.error}`);
  else {
    lines.push(`memory: ${m.measuredReconnects} forced reconnects after ${m.warmupReconnects} warm-up (reconnectDelay ${m.options.reconnectDelay} ms, otherwise defaults) in ${m.reconnectSeconds} s`);
    lines.push(`  wasm linear memory ${m.before.wasmMemory} → ${m.after.wasmMemory} B (growth ${m.wasmMemoryGrowth} B); JS heap after gc() ${m.before.jsHeapUsed} → ${m.after.jsHeapUsed} B (growth ${m.jsHeapGrowth} B); open connections on the server: ${m.openConnections} (accepted ${m.serverStats.accepted}, max_open ${m.serverStats.max_open})`);
  }
  const i = doc.idle;
  if (i.error) lines.push(`idle: FAILED: ${i.error}`);
  else {
    lines.push(`idle: ${i.clients} ResilientWebSockets (default heartbeat) for ${i.seconds} s: script ${i.scriptMs} ms (${i.scriptPercentOfOneCore} % of one core), main-thread tasks ${i.taskMs} ms; pongs received ${i.pongsReceived} (expected ~${i.expectedPongs}); reconnects ${i.reconnects}; open on the server ${i.openConnections}`);
  }
  lines.push(`wasm memory over the whole run: ${doc.wasmMemory.atStart} → ${doc.wasmMemory.atEnd} B`);
  lines.push('');
  lines.push(`targets (ResilientWebSocket; medians over rounds; reported, not enforced)`);
  for (const t of doc.targets) lines.push(`  ${t.pass == null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL'}  ${pad(t.name, 50)} ${lpad(t.value ?? '—', 9)}  ${t.limit}`);
  const passed = doc.targets.filter((t) => t.pass === true).length;
  const failed = doc.targets.filter((t) => t.pass === false).length;
  lines.push(`  ${passed} met, ${failed} missed, ${doc.targets.length - passed - failed} not measured`);
  if (doc.pageErrors.length) lines.push(`page errors/warnings: ${doc.pageErrors.length} (first: ${doc.pageErrors[0]})`);
  lines.push(`took ${doc.seconds.total} s in the browser (rounds ${doc.seconds.rounds} s, memory ${doc.seconds.memory} s, idle ${doc.seconds.idle} s)`);
  return lines.join('\n');
}
