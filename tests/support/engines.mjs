// Pages in Firefox and WebKit for the Node-driven test layers (playwright drives Chromium
// only): Firefox through puppeteer-core over WebDriver BiDi, WebKitGTK through its WebDriver
// (WebKitWebDriver, MiniBrowser under Xvfb) with a small W3C WebDriver client over fetch.
// Each engine gives `{ name, evaluate(fn, arg), close() }` for one page at `url`, loaded
// until `ready()` (a page function) holds.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const FIREFOX = '/usr/bin/firefox-esr';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function firefoxPage(url, ready) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.message ?? e)));
  await page.goto(url);
  await page.waitForFunction(ready, { timeout: 20000 });
  return {
    name: 'firefox',
    errors,
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    close: () => browser.close(),
  };
}

/** WebKitGTK: WebKitWebDriver on a free port, one session, scripts by execute/async. */
export async function webkitPage(url, ready) {
  const port = await freePort();
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const j = await r.json();
    if (j.value && j.value.error) throw new Error(`${j.value.error}: ${j.value.message}`);
    return j.value;
  };
  let session;
  for (let i = 0; ; i++) {
    try {
      session = await call('POST', '/session', {
        capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
      });
      break;
    } catch (e) {
      if (i > 50) throw e;
      await sleep(100);
    }
  }
  const id = session.sessionId;
  await call('POST', `/session/${id}/timeouts`, { script: 600000 });
  await call('POST', `/session/${id}/url`, { url });
  const evaluate = async (fn, arg) => {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve((${fn})(${arg === undefined ? '' : 'arguments[0]'}))
        .then((v) => done({ ok: true, v }), (e) => done({ ok: false, e: String(e && e.stack || e) }));`;
    const r = await call('POST', `/session/${id}/execute/async`, { script, args: arg === undefined ? [] : [arg] });
    if (!r.ok) throw new Error(r.e);
    return r.v;
  };
  const t0 = Date.now();
  while (!(await evaluate(ready).catch(() => false))) {
    if (Date.now() - t0 > 20000) throw new Error(`${url} not ready in 20 s (WebKit)`);
    await sleep(100);
  }
  return {
    name: 'webkit',
    errors: [],
    evaluate,
    close: async () => {
      await call('DELETE', `/session/${id}`).catch(() => {});
      driver.kill();
    },
  };
}
