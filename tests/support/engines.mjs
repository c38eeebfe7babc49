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

// `scriptTimeoutMs`: how long one evaluate may run (longer fuzz runs need more than the
// drivers' defaults).
export async function firefoxPage(url, ready, { scriptTimeoutMs = 180000 } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: scriptTimeoutMs });
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
export async function webkitPage(url, ready, { scriptTimeoutMs = 600000 } = {}) {
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
  await call('POST', `/session/${id}/timeouts`, { script: scriptTimeoutMs });
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
    driver: { call, id },
    evaluate,
    close: async () => {
      await call('DELETE', `/session/${id}`).catch(() => {});
      driver.kill();
    },
  };
}

/** `n` tabs of one browser of `engine` ('firefox' | 'webkit'), each at `url` and loaded
 *  until `ready()`: `{ tabs: [{ evaluate(fn, arg), close() }], close() }`. Tabs of one
 *  browser share BroadcastChannel and Web Locks (the shared-client tests). */
export async function engineTabs(engine, n, url, ready) {
  return engine === 'firefox' ? firefoxTabs(n, url, ready) : webkitTabs(n, url, ready);
}

async function firefoxTabs(n, url, ready) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
  const tabs = [];
  for (let i = 0; i < n; i++) {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(ready, { timeout: 20000 });
    tabs.push({ evaluate: (fn, arg) => page.evaluate(fn, arg), close: () => page.close() });
  }
  return { tabs, close: () => browser.close() };
}

async function webkitTabs(n, url, ready) {
  const first = await webkitPage(url, ready);
  const { call, id } = first.driver;
  const handles = [await call('GET', `/session/${id}/window`)];
  for (let i = 1; i < n; i++) {
    const w = await call('POST', `/session/${id}/window/new`, { type: 'tab' });
    handles.push(w.handle);
  }
  // One script at a time: each runs in its window, switched to first.
  let chain = Promise.resolve();
  let current = handles[0];
  const inWindow = (h, f) => {
    const run = chain.then(async () => {
      if (current !== h) {
        await call('POST', `/session/${id}/window`, { handle: h });
        current = h;
      }
      return f();
    });
    chain = run.catch(() => {});
    return run;
  };
  for (const h of handles.slice(1)) {
    await inWindow(h, () => call('POST', `/session/${id}/url`, { url }));
    const t0 = Date.now();
    while (!(await inWindow(h, () => first.evaluate(ready)).catch(() => false))) {
      if (Date.now() - t0 > 20000) throw new Error(`${url} not ready in 20 s (WebKit tab)`);
      await sleep(100);
    }
  }
  const tabs = handles.map((h) => ({
    evaluate: (fn, arg) => inWindow(h, () => first.evaluate(fn, arg)),
    close: () => inWindow(h, () => call('DELETE', `/session/${id}/window`)).then(() => {
      current = null;
    }),
  }));
  return { tabs, close: () => first.close() };
}
