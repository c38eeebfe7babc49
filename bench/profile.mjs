// Where a receive's script time goes, per function: a CDP CPU profile (20 µs sampling) of
// the bench page's receive scenario for each client, self time per message.
//
// Usage (after `scripts/bench` built the site into test-output/bench/site):
//   RWS_SERVER_PROFILE=release RWS_STATIC_DIR=test-output/bench/site \
//     scripts/with-server node bench/profile.mjs
// Environment: RWS_PROFILE_CLIENTS (default raw,x-proto3,resilient: ids in
// bench/page/bench.js), RWS_PROFILE_SIZE (bytes, default 65536), RWS_PROFILE_N (messages
// per run, default 2000), RWS_PROFILE_RUNS (measured runs per client, default 6; a first
// pass of the same runs warms up and is not counted), RWS_PROFILE_JS_FLAGS (extra V8 flags,
// e.g. --trace-deopt; the browser's stdout shows with DEBUG=pw:browser).
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/support/chromium.mjs';
import { openPage } from './cdp-page.mjs';

const HTTP = process.env.RWS_TEST_HTTP;
if (!HTTP) throw new Error('RWS_TEST_HTTP is not set: run under scripts/with-server');
const env = process.env;
const clients = (env.RWS_PROFILE_CLIENTS || 'raw,x-proto3,resilient').split(',');
const size = Number(env.RWS_PROFILE_SIZE || 65536);
const n = Number(env.RWS_PROFILE_N || 2000);
const runs = Number(env.RWS_PROFILE_RUNS || 6);
const sc = { kind: 'recv', n, size, binary: true, timeoutMs: 60000 };
const args = env.RWS_PROFILE_JS_FLAGS
  ? [...CHROMIUM_ARGS.filter((a) => !a.startsWith('--js-flags')), `--js-flags=--expose-gc ${env.RWS_PROFILE_JS_FLAGS}`]
  : CHROMIUM_ARGS;

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
try {
  const page = await openPage(browser, `${HTTP}/index.html`);
  await page.send('Profiler.enable');
  await page.send('Profiler.setSamplingInterval', { interval: 20 });
  for (let pass = 0; pass < 2; pass++) {
    for (const c of clients) {
      const self = new Map();
      for (let r = 0; r < runs; r++) {
        await page.evaluate(() => {
          gc();
          gc();
        });
        await page.evaluate(([client, s]) => window.bench.prepare(client, s), [c, sc]);
        await page.send('Profiler.start');
        await page.evaluate(() => window.bench.go());
        const { profile } = await page.send('Profiler.stop');
        await page.evaluate(() => window.bench.closeCurrent());
        const byId = new Map(profile.nodes.map((x) => [x.id, x]));
        for (let i = 0; i < profile.samples.length; i++) {
          const f = byId.get(profile.samples[i]).callFrame;
          const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}:${f.columnNumber}`;
          self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
        }
      }
      if (pass === 0) continue; // warm-up
      const msgs = runs * n;
      const busy = [...self].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)'));
      const sum = busy.reduce((a, [, v]) => a + v, 0);
      console.log(`\n${c}: self time per message (µs), ${runs} × ${n} messages of ${size} B; all script and GC ${(sum / msgs).toFixed(3)}`);
      for (const [k, v] of busy.sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(v / msgs).toFixed(3)}  ${k}`);
    }
  }
} finally {
  await browser.close();
}
