// Real protocol libraries in real browsers, native WebSocket vs ours, item by item: graphql-ws
// (its graphql-ws/use/ws server), socket.io-client (socket.io), MQTT.js (aedes) and
// @stomp/stompjs (stomp-broker-js), through the docs' own recipes (docs/examples/), in
// Chromium and Firefox. Each library runs twice in the same page at the same time, once on
// the native socket and once on ours, each against its own server, through these steps:
//
//   normal     the server publishes numbered news, the app makes a request
//   drop       every connection is cut: the library reconnects by itself
//   idle       nothing for several of our heartbeats
//   hidden     the page is hidden, then shown again
//   half-open  the link goes silent both ways and the TCP connections stay: how long
//              until the library hears of it (ours vs the library alone)
//   dispose    the library's own close: connections left afterwards
//
// and compares, per step, what the app received (order, duplicates), the answers, the
// library's own callbacks and the server's accepted and open connections. Run once with
// the recipes (shorter timings than the docs', so the run is short) and once with our
// class as is (default options).
//
//   scripts/build web pkg && scripts/package --no-build   (the workspace package npm/)
//   node --test --test-concurrency=1 tests/e2e/libraries-browser.mjs
//
// RWS_LIB_ENGINES=chromium,firefox picks the engines, RWS_LIB_LIBS the libraries
// (graphql,socketio,mqtt,stomp); RWS_LIB_HALF_OPEN_MS the longest
// wait for the half-open step (raise it to time the libraries alone).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { firefoxPage } from '../support/engines.mjs';
import { sleep, until } from '../support/until.mjs';
import { libraryServer } from './libraries-lab/servers.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'test-output/libraries/');
const ENGINES = (process.env.RWS_LIB_ENGINES || 'chromium,firefox').split(',').filter(Boolean);
const HALF_OPEN_MS = Number(process.env.RWS_LIB_HALF_OPEN_MS || 4000);
const LIBS = (process.env.RWS_LIB_LIBS || 'graphql,socketio,mqtt,stomp').split(',').filter(Boolean);

// The libraries' own options, the same with either socket: short retry delays, socket.io's
// server ping every 500 ms with a 1.5 s timeout, STOMP heart-beats every 500 ms.
// RWS_LIB_REAL_TIMINGS=1 instead keeps socket.io's defaults (25 s + 20 s), stompjs's
// (10 s heart-beats) and the recipes' own timings, to time the half-open step for real
// (with RWS_LIB_HALF_OPEN_MS=150000 or so; not in CI).
const REAL = process.env.RWS_LIB_REAL_TIMINGS === '1';
const SERVER_OPTIONS = REAL
  ? { socketIoPing: 25000, socketIoTimeout: 20000, stompHeartbeat: 10000 }
  : { socketIoPing: 500, socketIoTimeout: 1500, stompHeartbeat: 500 };
const PAGE_OPTIONS = { retryMs: 200, stompHeartbeat: SERVER_OPTIONS.stompHeartbeat };
// The recipes' classes, with shorter timings than the docs' (each still above what the
// protocol needs: the passive windows above the server's ping or heart-beat interval).
const RECIPE_TIMINGS = REAL
  ? {
    graphql: { pingInterval: 30000, pongTimeout: 5000 },
    socketio: { pingInterval: 25000, pongTimeout: 5000 },
    mqtt: { pingInterval: 30000, pongTimeout: 5000 },
    stomp: { pingInterval: 10000, pongTimeout: 5000 },
  }
  : {
    graphql: { pingInterval: 400, pongTimeout: 400 },
    socketio: { pingInterval: 500, pongTimeout: 400 },
    mqtt: { pingInterval: 400, pongTimeout: 400 },
    stomp: { pingInterval: 500, pongTimeout: 400 },
  };
const IDLE_MS = 2500; // 6 of the recipes' heartbeats

let http;
let httpUrl;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

before(async () => {
  await mkdir(OUT, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'tests/e2e/libraries-lab/page.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    external: ['resilient-ws'],
    outfile: join(OUT, 'page.bundle.js'),
    logLevel: 'warning',
  });
  const files = {
    '/page.html': join(ROOT, 'tests/e2e/libraries-lab/page.html'),
    '/page.bundle.js': join(OUT, 'page.bundle.js'),
  };
  http = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = files[path] ?? (path.startsWith('/rws/') ? join(ROOT, 'npm', normalize(path.slice(5))) : null);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  httpUrl = `http://127.0.0.1:${http.address().port}`;
});

after(() => http?.close());

async function chromiumPage(url, ready) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(ready, null, { timeout: 20000 });
  return { name: 'chromium', errors, evaluate: (fn, arg) => page.evaluate(fn, arg), close: () => browser.close() };
}
const PAGES = { chromium: chromiumPage, firefox: firefoxPage };

/** One run: every library on the native socket and on `impl` ('recipe' | 'defaults'),
 *  side by side in one page of `engine`. Returns per library and step what each saw. */
async function run(engine, impl, t) {
  const page = await PAGES[engine](`${httpUrl}/page.html`, () => window.labReady === true);
  const runs = [];
  for (const lib of LIBS) {
    for (const which of ['native', impl]) {
      const server = await libraryServer(lib, SERVER_OPTIONS);
      runs.push({ lib, which, key: `${lib}:${which}`, server, steps: {} });
    }
  }
  const ev = (fn, arg) => page.evaluate(fn, arg);
  const report = (r) => ev(([k]) => window.lab.report(k), [r.key]);
  let n = 0;
  /** Publishes 3 news and makes one request on every run; waits for them (or 5 s). */
  const traffic = async () => {
    const news = [n + 1, n + 2, n + 3];
    n += 3;
    for (const x of news) for (const r of runs) r.server.publish(x);
    const answers = await Promise.all(runs.map((r) => ev(([k, x]) => window.lab.ask(k, x), [r.key, news[0]])));
    await until('the news', async () => {
      const reps = await Promise.all(runs.map(report));
      return reps.every((rep) => news.every((x) => rep.news.includes(x)));
    }, 5000).catch(() => {});
    return { news, answers };
  };
  /** What each run saw in a step: the deltas of its report and server counts. */
  const step = async (name, body) => {
    const before = await Promise.all(runs.map(async (r) => ({ rep: await report(r), stats: r.server.stats() })));
    for (const r of runs) r.server.resetMax();
    const extra = (await body()) ?? {};
    const { answers } = await traffic();
    await sleep(300);
    for (const [i, r] of runs.entries()) {
      const rep = await report(r);
      const stats = r.server.stats();
      const b = before[i];
      r.steps[name] = {
        news: rep.news.slice(b.rep.news.length),
        answer: answers[i],
        connected: rep.connected.length - b.rep.connected.length,
        disconnected: rep.disconnected.length - b.rep.disconnected.length,
        errors: rep.errors.slice(b.rep.errors.length),
        accepted: stats.accepted - b.stats.accepted,
        maxOpen: stats.maxOpen,
        ...(extra[r.key] ?? {}),
      };
    }
  };
  try {
    for (const r of runs) {
      const url = r.lib === 'socketio' ? r.server.httpUrl : r.server.url;
      await ev(([k, lib, u, which, o]) => window.lab.start(k, lib, u, which, o), [r.key, r.lib, url, r.which, { ...PAGE_OPTIONS, timings: RECIPE_TIMINGS[r.lib] }]);
    }
    await until('every library connected', async () => (await Promise.all(runs.map(report))).every((rep) => rep.connected.length === 1), 10000);
    await step('normal', async () => {});
    const dropAt = Date.now();
    await step('drop', async () => {
      for (const r of runs) r.server.drop();
      await until('every library reconnected', async () => (await Promise.all(runs.map(report))).every((rep) => rep.connected.length >= 2), 10000)
        .catch(() => {});
    });
    await step('idle', () => sleep(IDLE_MS));
    await step('hidden', async () => {
      await ev(() => window.lab.setHidden(true));
      await sleep(IDLE_MS);
      await ev(() => window.lab.setHidden(false));
      await sleep(1000);
    });
    await step('half-open', async () => {
      const reps = await Promise.all(runs.map(report));
      for (const r of runs) r.server.hold();
      const t0 = await ev(() => window.lab.now());
      await until('every library noticed', async () => (await Promise.all(runs.map(report))).every((rep, i) => rep.disconnected.length > reps[i].disconnected.length), HALF_OPEN_MS)
        .catch(() => {});
      const after = await Promise.all(runs.map(report));
      const extra = {};
      for (const [i, r] of runs.entries()) {
        const d = after[i].disconnected[reps[i].disconnected.length];
        extra[r.key] = { noticedMs: d === undefined ? null : d - t0 };
      }
      for (const r of runs) r.server.release();
      const c0 = after.map((rep) => rep.connected.length);
      await until('every library reconnected', async () => (await Promise.all(runs.map(report))).every((rep, i) => rep.connected.length > c0[i]), 10000)
        .catch(() => {});
      return extra;
    });
    // With the defaults, ours waits 15 s (reconnectDelay) before it would reconnect by
    // itself: wait past that since the last drop, so a zombie would have shown.
    if (impl === 'defaults') await sleep(Math.max(0, dropAt + 16000 + IDLE_MS * 2 + HALF_OPEN_MS - Date.now()));
    for (const r of runs) await ev(([k]) => window.lab.dispose(k), [r.key]);
    await sleep(impl === 'defaults' ? 16000 : 1500);
    for (const r of runs) {
      r.steps.dispose = { openAfter: r.server.stats().open, acceptedTotal: r.server.stats().accepted };
    }
    assert.deepEqual(page.errors, [], `${engine}: uncaught errors in the page`);
  } finally {
    await page.close();
    for (const r of runs) r.server.close();
  }
  const out = {};
  for (const r of runs) (out[r.lib] ??= {})[r.which === 'native' ? 'native' : 'ours'] = r.steps;
  await writeFile(join(OUT, `${engine}-${impl}.json`), JSON.stringify(out, null, 2));
  t.diagnostic(`${engine} ${impl}: report in test-output/libraries/${engine}-${impl}.json`);
  return out;
}

const SAME_STEPS = ['normal', 'drop', 'idle'];
const omit = (o, ...keys) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** Every step but the half-open one: the same on both sockets, at most one connection. */
function assertSame(engine, lib, native, ours, steps) {
  for (const s of steps) {
    assert.deepEqual(ours[s], native[s], `${engine} ${lib}, step ${s}: ours differs from the native socket`);
    assert.equal(native[s].maxOpen, 1, `${engine} ${lib}, step ${s}: one connection at a time`);
  }
  assert.equal(native.dispose.openAfter, 0, `${engine} ${lib}: native, connections left after dispose`);
  assert.equal(ours.dispose.openAfter, 0, `${engine} ${lib}: ours, connections left after dispose`);
}

for (const engine of ENGINES) {
  test(`${engine}: the recipes (graphql-ws, socket.io-client, MQTT.js, stompjs): every step as on the native socket; a half-open link found within the heartbeat's window`, { timeout: REAL ? 900000 : 180000 }, async (t) => {
    const out = await run(engine, 'recipe', t);
    for (const [lib, { native, ours }] of Object.entries(out)) {
      assertSame(engine, lib, native, ours, [...SAME_STEPS, 'hidden']);
      assert.deepEqual(ours.dispose, native.dispose, `${engine} ${lib}: dispose`);
      const h = { native: native['half-open'], ours: ours['half-open'] };
      t.diagnostic(`${engine} ${lib}: half-open link noticed after ${h.ours.noticedMs} ms with ours, ${h.native.noticedMs ?? `not within ${HALF_OPEN_MS}`} ms by the library alone`);
      const { pingInterval, pongTimeout } = RECIPE_TIMINGS[lib];
      assert.ok(h.ours.noticedMs !== null && h.ours.noticedMs <= pingInterval + pongTimeout + 500, `${engine} ${lib}: ours noticed the half-open link after ${h.ours.noticedMs} ms (window ${pingInterval} + ${pongTimeout})`);
      // After it the library carried on as on the native socket (its own reconnect). Its
      // errors may differ: the library alone reports its own timeout (MQTT.js: "Keepalive
      // timeout") where ours found the dead link first.
      assert.deepEqual(omit(h.ours, 'noticedMs', 'maxOpen', 'errors'), omit(h.native, 'noticedMs', 'maxOpen', 'errors'), `${engine} ${lib}: after the half-open link`);
    }
  });
  test(`${engine}: our class as is (default options): as native but for the default ping, which the protocols reject (and no zombie)`, { timeout: REAL ? 900000 : 180000 }, async (t) => {
    const out = await run(engine, 'defaults', t);
    for (const [lib, { native, ours }] of Object.entries(out)) {
      assertSame(engine, lib, native, ours, SAME_STEPS);
      // Shown again, ours checks the link with the default ping {"request":"ping"}: the
      // server of graphql-ws (4400), socket.io and MQTT closes the connection, the library
      // reconnects by itself (one more connection, never two at once). That is the
      // protocol-specific heartbeat the recipes are for.
      const extra = ours.hidden.accepted - native.hidden.accepted;
      t.diagnostic(`${engine} ${lib}: shown again, the default ping cost ${extra} reconnect(s)${ours.hidden.errors.length ? ` (${ours.hidden.errors.join(', ')})` : ''}`);
      assert.ok(extra === 0 || (extra === 1 && ours.hidden.connected === 1 && ours.hidden.maxOpen === 1), `${engine} ${lib}, step hidden: ${JSON.stringify(ours.hidden)}`);
      assert.equal(ours['half-open'].noticedMs === null, native['half-open'].noticedMs === null, `${engine} ${lib}: the default heartbeat (30 s) plays no part in a 4 s half-open step`);
      // No zombie: past reconnectDelay (15 s) after every drop, nothing more was accepted
      // than the native socket's connections and that one reconnect.
      assert.equal(ours.dispose.acceptedTotal - native.dispose.acceptedTotal, extra, `${engine} ${lib}: connections accepted in all`);
    }
  });
}
