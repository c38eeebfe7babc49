// Randomized tests (fast-check) in Chromium, against the Rust test server: the page
// www/fuzz.html (built into www/dist) runs them; this file drives it and reports.
//
//   scripts/build web pkg && npm run --silent build:www
//   RWS_STATIC_DIR=www/dist scripts/with-server node --test tests/e2e/fuzz.mjs
//
// 1. differential: random programs of WebSocket commands run on the native WebSocket and on
//    ResilientWebSocket (reconnect off, no heartbeat, no queue); every listener call,
//    return value, thrown error name and state must be the same. First native against
//    native (proves the harness deterministic), then native against ours.
// 2. keep-alive: random kills, outages and re-entrant reconnect()/close() on ours with short
//    timers; invariants: no uncaught error, max_open <= 1, every send accounted for,
//    liveClients back to its baseline after gc().
//
// Environment (tests/support/fuzz-env.mjs): RWS_FUZZ_SEED (e.g. RWS_FUZZ_SEED=$RANDOM to
// explore other programs), RWS_FUZZ_RUNS, RWS_FUZZ_TIME_S, RWS_FUZZ_SHRINK_S. Full reports (shrunk
// programs, both traces) go to test-output/fuzz/. To replay a reported program by hand:
// open /fuzz.html and call window.runDifferentialProgram({ program: <programJson>, base }).
//
// A failing run lists every distinct divergence it found, each with a shrunk program; the
// search goes on after each one (see www/src/fuzz/differential.js).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { FUZZ_SEED, fuzzBudget } from '../support/fuzz-env.mjs';
import { stopInCapturePass } from '../support/page-probes.mjs';

const HTTP = process.env.RWS_TEST_HTTP;
const OUT_DIR = fileURLToPath(new URL('../../test-output/fuzz/', import.meta.url));
const SEED = FUZZ_SEED;

// Default budgets (2 cores): a test stops starting programs after timeS (shrinking counts
// against it; the last failure's shrinking may overrun it by up to shrinkS), so the
// differential suite (both tests) takes about 55 s and the keep-alive suite about 50 s.
const BUDGET = {
  'native-native': { numRuns: 150, timeS: 15, shrinkS: 10 },
  'native-ours': { numRuns: 400, timeS: 40, shrinkS: 3 },
  keepalive: { numRuns: 40, timeS: 45, shrinkS: 15 },
};
const budget = (name) => fuzzBudget(BUDGET[name]);
/** node:test's timeout for a test with this budget (shrinking, start-up and checks on top). */
const timeout = (name) => budget(name).timeBudgetMs + 120000;

let browser;

before(async () => {
  assert.ok(HTTP, 'RWS_TEST_HTTP is not set: run under RWS_STATIC_DIR=www/dist scripts/with-server');
  const res = await fetch(`${HTTP}/fuzz.html`);
  assert.ok(res.ok && (await res.text()).includes('runDifferential'),
    `${HTTP}/fuzz.html is not served (HTTP ${res.status}): build it (npm run build:www) and set RWS_STATIC_DIR=www/dist`);
  await mkdir(OUT_DIR, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

/** Opens the fuzz page, runs `fn(page)`; page errors other than deliberate ones fail. */
async function withPage(fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (e) => { if (!String(e.message).includes('fuzz-deliberate')) pageErrors.push(e.message); });
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('fuzz-deliberate')) consoleErrors.push(m.text()); });
  try {
    await page.goto(`${HTTP}/fuzz.html`);
    await page.waitForFunction(() => window.fuzzReady === true, null, { timeout: 20000 });
    return await fn(page, { pageErrors, consoleErrors });
  } finally {
    await context.close();
  }
}

const base = () => HTTP.replace(/^http/, 'ws');

function indent(s, by = '    ') {
  return String(s).split('\n').map((l) => by + l).join('\n');
}

function formatDivergence(d, i) {
  const how = d.signature.startsWith('wasm trap') ? `  (reproduced: ${d.reproduced})` : d.reproduced ? `  (shrunk in ${d.shrinks} steps; reproduced ${d.reproduced})` : '';
  const lines = [`  #${i + 1} ${d.signature}${how}`];
  if (d.program) lines.push(indent(d.program));
  if (d.native !== undefined) {
    const other = d.ours !== undefined ? ['ours', d.ours] : ['native2', d.native2];
    if (!d.static) {
      lines.push(`    first difference at trace entry ${d.firstDifferenceAt} (entries around it):`);
      lines.push(indent(`native: ${d.native.map((e) => JSON.stringify(e)).join('\n        ')}`, '      '));
      lines.push(indent(`${other[0].padEnd(6)}: ${other[1].map((e) => JSON.stringify(e)).join('\n        ')}`, '      '));
    } else {
      lines.push(`      native: ${JSON.stringify(d.native)}\n      ${other[0]}: ${JSON.stringify(other[1])}`);
    }
  }
  return lines.join('\n');
}

/**
 * A wasm trap poisons the page's module, so the page cannot shrink it: replay the program
 * here, each candidate in a fresh page, dropping commands and listener actions while it
 * still traps (greedy, at most `budgetMs`).
 */
async function shrinkTrap(d, budgetMs = 40000) {
  const deadline = Date.now() + budgetMs;
  let runs = 0;
  const replay = (program) => withPage((page) =>
    page.evaluate((o) => window.runDifferentialProgram(o), { program, base: base(), compare: 'native-ours' }));
  const traps = async (program) => {
    runs++;
    const r = await replay(program);
    return r.trapped ? r : null;
  };
  let best = d.programJson;
  let bestRun = await traps(best);
  if (!bestRun) {
    d.signature += ' (does not trap again in a fresh page)';
    return;
  }
  const keep = (p, drop) => {
    const n = p.pre.length;
    return { ...p, pre: p.pre.filter((_, i) => i !== drop), cmds: p.cmds.filter((_, i) => n + 1 + i !== drop) };
  };
  const attempt = async (candidate) => {
    if (Date.now() > deadline) return;
    const r = await traps(candidate);
    if (r) {
      best = candidate;
      bestRun = r;
    }
  };
  for (let i = best.pre.length + best.cmds.length; i >= 0; i--) {
    if (i === best.pre.length && best.cmds.length) continue; // the implicit wait
    if (i < best.pre.length + 1 + best.cmds.length) await attempt(keep(best, i));
  }
  for (const pool of ['listeners', 'handlers']) {
    for (let i = 0; i < best[pool].length; i++) {
      if (best[pool][i].act.do === 'none') continue;
      const c = structuredClone(best);
      c[pool][i] = { ...c[pool][i], act: { do: 'none' }, times: 1 };
      await attempt(c);
    }
  }
  d.program = bestRun.program;
  d.programJson = best;
  d.ours = bestRun.other.slice(-6);
  d.native = bestRun.native.slice(-6);
  d.reproduced = `yes, in a fresh page; shrunk by ${runs} replays`;
}

async function differential(t, compare) {
  const b = budget(compare);
  const t0 = Date.now();
  const report = await withPage((page) =>
    page.evaluate((o) => window.runDifferential(o), { seed: SEED, base: base(), http: HTTP, compare, ...b }));
  const ms = Date.now() - t0;
  const phase = report.phases?.[0];
  t.diagnostic(`seed ${SEED} (RWS_FUZZ_SEED=${SEED} to repeat), ${report.numRuns} programs ` +
    `(${report.generated} random, the rest shrinking) in ${(ms / 1000).toFixed(1)} s` +
    (phase ? ` (phase ${phase.phase}: ${(phase.ms / 1000).toFixed(1)} s)` : ''));
  for (const d of report.divergences || []) {
    if (d.signature.startsWith('wasm trap') && d.programJson) await shrinkTrap(d);
  }
  const file = `${OUT_DIR}differential-${compare}-${SEED >>> 0}.json`;
  await writeFile(file, JSON.stringify(report, null, 2));
  if (!report.ok) {
    const ds = report.divergences || [];
    if (report.error) assert.fail(`${report.error}\n(report: ${file})\n${ds.map(formatDivergence).join('\n\n')}`);
    const head = compare === 'native-native'
      ? 'the harness is not deterministic: native WebSocket against native WebSocket differed'
      : `${ds.length} distinct divergence(s) of ResilientWebSocket from the native WebSocket`;
    assert.fail(`${head} (seed ${SEED}; full report: ${file})\n${ds.map(formatDivergence).join('\n\n')}`);
  }
  assert.ok(report.numRuns > 0, 'no program ran');
}

test('differential fuzz: native WebSocket vs native WebSocket (the harness is deterministic)', { timeout: timeout('native-native') }, async (t) => {
  await differential(t, 'native-native');
});

test('differential fuzz: native WebSocket vs ResilientWebSocket', { timeout: timeout('native-ours') }, async (t) => {
  await differential(t, 'native-ours');
});

test('keep-alive fuzz: kills, outages, re-entrant reconnect()/close(), getInstance', { timeout: timeout('keepalive') }, async (t) => {
  const b = budget('keepalive');
  const t0 = Date.now();
  const { report, pageErrors } = await withPage(async (page, errs) => ({
    report: await page.evaluate((o) => window.runKeepAlive(o), { seed: SEED, base: base(), http: HTTP, ...b }),
    pageErrors: errs.pageErrors,
  }));
  const ms = Date.now() - t0;
  t.diagnostic(`seed ${SEED} (RWS_FUZZ_SEED=${SEED} to repeat), ${report.numRuns} programs ` +
    `(${report.generated} random, the rest shrinking) in ${(ms / 1000).toFixed(1)} s; ` +
    `sends ${report.totals?.sends}, echoes ${report.totals?.echoed}, reported dropped ${report.totals?.dropped}, native sockets ${report.totals?.sockets}`);
  const file = `${OUT_DIR}keepalive-${SEED >>> 0}.json`;
  await writeFile(file, JSON.stringify(report, null, 2));
  if (!report.ok) {
    const fs = report.findings || [];
    assert.fail(`${report.error ? `${report.error}\n` : ''}` +
      `keep-alive invariants violated: ${fs.length} distinct kind(s) (seed ${SEED}; full report: ${file})\n` +
      fs.map((f, i) => `  #${i + 1} ${f.kinds.join('; ')}  (shrunk in ${f.shrinks} steps)\n` +
        `${indent(f.shrunkProgram)}\n    violations:\n${indent(f.violations.join('\n'), '      ')}\n` +
        `    log (last 15):\n${indent(f.log.slice(-15).join('\n'), '      ')}`).join('\n\n'));
  }
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  assert.ok(report.numRuns > 0, 'no program ran');
});

// The Firefox finding of seed 6021 (propagation stopped by a capture listener at the target)
// checked here too: Chromium runs the target's listeners in one pass, which the stop does
// not end; ours must do the same here.
test('propagation stopped in the capture pass, as by the engine\'s own socket', { timeout: 60000 }, async () => {
  const r = await withPage((page) => page.evaluate(stopInCapturePass, `${base()}/echo`));
  assert.deepEqual(r.ours, r.native, JSON.stringify(r));
});
