// The npm package as users meet it (issue 16): the tarball that scripts/package packs is
// installed into fresh throwaway apps (tests/package-apps/*, copied to a temp directory)
// with npm, dependencies from the registry, then each app is built and run against the
// test server: Vite + Vue 3 (`resilient-ws/vue`, built and dev server), webpack 5 (no
// config), and a Node ESM script.
// Run: scripts/package && scripts/with-server node --test tests/e2e/package.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { serverStats } from '../support/until.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APPS = join(ROOT, 'tests/package-apps');
const WS = process.env.RWS_TEST_SERVER;
const HTTP = process.env.RWS_TEST_HTTP;
assert.ok(WS && HTTP, 'run under scripts/with-server (RWS_TEST_SERVER)');

let work;
let tarball;
let browser;

/** Runs a command; resolves with its output, rejects (with the output) on failure. */
function run(cmd, args, cwd, { timeout = 300000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${code ?? signal}:\n${out}`));
    });
  });
}

/** Copies tests/package-apps/NAME to the temp directory and installs the tarball into it. */
async function makeApp(name) {
  const dir = join(work, name);
  await cp(join(APPS, name), dir, { recursive: true });
  // What the README says: npm install <the tarball> (then `npm install resilient-ws` once published).
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], dir);
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  assert.match(pkg.dependencies['resilient-ws'], /^file:.*resilient-ws-.*\.tgz$/);
  return dir;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/** Serves `dir` over HTTP on a free port; resolves with its base URL and a close(). */
async function serve(dir) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^([/\\])+/, '');
    if (path === 'favicon.ico') return res.writeHead(204).end();
    const file = join(dir, path === '' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

const stats = (tag) => serverStats(HTTP, tag);

/** Opens `url` in Chromium and waits until `selector`'s text is `want`; page errors fail. */
async function expectText(url, selector, want, then = async () => {}) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Failed loads are reported by URL (the console only says "404"); a missing favicon is fine.
  page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
  try {
    await page.goto(url);
    await page
      .waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent.trim() === w, [selector, want], { timeout: 15000 })
      .catch(async () => {
        const html = await page.content().catch(() => '?');
        assert.fail(`${url}: ${selector} never showed ${JSON.stringify(want)}; errors: ${errors.join(' | ')}; page: ${html.slice(0, 500)}`);
      });
    await then(page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

before(async () => {
  const dir = join(ROOT, 'target/npm');
  const tgz = (await readdir(dir).catch(() => [])).filter((f) => /^resilient-ws-.*\.tgz$/.test(f));
  assert.equal(tgz.length, 1, `one tarball in target/npm (run scripts/package): ${tgz}`);
  tarball = join(dir, tgz[0]);
  work = await mkdtemp(join(tmpdir(), 'rws-package-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball: entries, types, and only what it should ship', async () => {
  const list = (await run('tar', ['-tzf', tarball], ROOT)).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
  for (const f of ['package.json', 'index.js', 'index.d.ts', 'node.js', 'vue.js', 'vue-node.js', 'vue-core.js', 'vue.d.ts', 'react.js', 'react-node.js', 'react-core.js', 'react.d.ts', 'resilient_ws.js', 'resilient_ws.d.ts', 'resilient_ws_bg.wasm', 'README.md', 'CHANGELOG.md']) {
    assert.ok(list.includes(f), `${f} in the tarball: ${list}`);
  }
  assert.ok(list.every((f) => !/\.(rs|toml|mjs)$|^src\/|^tests\//.test(f)), `no sources or tests: ${list}`);
  // Every relative link of the packed README resolves inside the package (on npm there is
  // no repository around it).
  const readme = await readFile(join(ROOT, 'npm/README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)].map((m) => m[1]);
  assert.ok(links.length > 0, 'the README links its docs');
  for (const l of links) assert.ok(list.includes(l.replace(/^\.\//, '')), `README link ${l} is in the tarball: ${list}`);
  const manifest = JSON.parse(await readFile(join(ROOT, 'npm/package.json'), 'utf8'));
  assert.equal(manifest.name, 'resilient-ws');
  assert.equal(manifest.license, 'MIT OR Apache-2.0');
  assert.deepEqual(Object.keys(manifest.exports['.']), ['types', 'node', 'default']);
  assert.deepEqual(manifest.exports['./vue'], { types: './vue.d.ts', node: './vue-node.js', default: './vue.js' });
  assert.deepEqual(manifest.exports['./react'], { types: './react.d.ts', node: './react-node.js', default: './react.js' });
  assert.equal(manifest.peerDependenciesMeta.vue.optional, true);
});

/** Waits until the test server has no open connection for `tag`. */
async function untilClosed(tag, what) {
  const deadline = Date.now() + 5000;
  while ((await stats(tag)).open !== 0) {
    assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(await stats(tag))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until page `name` is on screen with an open client (not closed by the user) that
 *  echoed what the page sent, then sends once more through it and waits for the echo. */
async function expectShown(page, name) {
  const ok = await page
    .waitForFunction(
      (n) => {
        const s = window.shown;
        return (
          s?.name === n &&
          s.client?.readyState === 1 &&
          !s.client.userClose &&
          document.querySelector(`#page-${n} .echo`)?.textContent === s.sent &&
          document.querySelector(`#page-${n} .state`)?.textContent === 'open'
        );
      },
      name,
      { timeout: 5000 },
    )
    .then(() => true, () => false);
  const seen = () =>
    page.evaluate(() => ({
      name: window.shown?.name,
      state: window.shown?.client?.state,
      userClose: window.shown?.client?.userClose,
      bufferedAmount: window.shown?.client?.bufferedAmount,
      html: document.querySelector('#app')?.innerHTML,
    }));
  assert.ok(ok, `page ${name}: not shown with an open client that echoes: ${JSON.stringify(await seen())}`);
  const echoed = await page.evaluate(
    (msg) =>
      new Promise((resolve) => {
        const c = window.shown.client;
        const timer = setTimeout(() => resolve(false), 3000);
        c.addEventListener('message', (e) => e.data === msg && (clearTimeout(timer), resolve(true)));
        c.send(msg);
      }),
    `again ${name}`,
  );
  assert.ok(echoed, `page ${name}: a send got no echo: ${JSON.stringify(await seen())}`);
}

/** Under <Suspense>: B's async setup (300 ms) abandoned, back to A before B resolves. */
async function abandonB(page) {
  await page.evaluate(() => window.showPage('B'));
  await new Promise((r) => setTimeout(r, 50));
  await page.evaluate(() => window.showPage('A'));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await page.evaluate(() => document.querySelector('#page-B')), null, 'B abandoned');
  await expectShown(page, 'A');
}

/** Pages A -> B -> A (pages.js) through <Suspense> or <KeepAlive>: every page shown has the
 *  one live client; the server saw one connection, closed when the app unmounts. */
async function switchPages(base, mode) {
  const tag = `pkg-${mode}-${process.pid}-${Date.now().toString(36)}`;
  const url = `${base}/?mode=${mode}&ws=${encodeURIComponent(`${WS}/echo?tag=${tag}`)}`;
  await expectText(url, '#page-A .state', 'open', async (page) => {
    await expectShown(page, 'A');
    await page.evaluate(() => window.showPage('B'));
    await expectShown(page, 'B');
    await page.evaluate(() => window.showPage('A'));
    await expectShown(page, 'A');
    if (mode === 'suspense') {
      await abandonB(page);
    }
    const s = await stats(tag);
    assert.deepEqual([s.open, s.max_open, s.accepted], [1, 1, 1], `one connection throughout: ${JSON.stringify(s)}`);
    // The last component leaves (an abandoned Suspense branch left too): the socket closes.
    await page.evaluate(() => window.unmountApp());
    await untilClosed(tag, 'the last user unmounted, the socket is still open');
    assert.equal((await stats(tag)).accepted, 1, 'disposed, not reconnected');
  });
}

/** The same switches with each page owning its client (VueUse's form, `&form=own`): a page
 *  left through <Suspense> closes its client (an abandoned async page too); <KeepAlive>
 *  keeps both pages' clients open; unmounting the app closes all. */
async function switchPagesOwn(base, mode) {
  const tag = `pkg-own-${mode}-${process.pid}-${Date.now().toString(36)}`;
  const url = `${base}/?mode=${mode}&form=own&ws=${encodeURIComponent(`${WS}/echo?tag=${tag}`)}`;
  const settled = async (open, accepted) => {
    const deadline = Date.now() + 5000;
    let s;
    while (((s = await stats(tag)), s.open !== open || s.accepted !== accepted)) {
      assert.ok(Date.now() < deadline, `${mode}: expected ${open} open of ${accepted} accepted: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await expectText(url, '#page-A .state', 'open', async (page) => {
    await expectShown(page, 'A');
    await page.evaluate(() => window.showPage('B'));
    await expectShown(page, 'B');
    // Suspense: A unmounted, its client closed. KeepAlive: A deactivated, still open.
    await settled(mode === 'suspense' ? 1 : 2, 2);
    await page.evaluate(() => window.showPage('A'));
    await expectShown(page, 'A');
    await settled(mode === 'suspense' ? 1 : 2, mode === 'suspense' ? 3 : 2);
    if (mode === 'suspense') {
      await abandonB(page);
      await settled(1, 4); // the abandoned B's client closed with its scope
    }
    await page.evaluate(() => window.unmountApp());
    await untilClosed(tag, 'the app unmounted, a page client is still open');
  });
}

/** VueUse's form with a ref URL changed by the app: the one client moves (the old URL's
 *  connection closed, one on the new), and unmounting leaves none. */
async function urlChange(base) {
  const tag = `pkg-url-${process.pid}-${Date.now().toString(36)}`;
  const first = `${WS}/echo?tag=${tag}`;
  const second = `${WS}/echo?tag=${tag}-2`;
  await expectText(`${base}/?mode=url&ws=${encodeURIComponent(first)}`, '#page-url .state', 'open', async (page) => {
    await page.evaluate((u) => window.setUrl(u), second);
    await page.waitForFunction((u) => document.querySelector('#page-url .url')?.textContent === u && document.querySelector('#page-url .state')?.textContent === 'open', second, { timeout: 5000 });
    const [a, b] = [await stats(tag), await stats(`${tag}-2`)];
    assert.deepEqual([a.open, a.accepted, b.open, b.accepted, b.max_open], [0, 1, 1, 1, 1], `after the change: ${JSON.stringify([a, b])}`);
    await page.evaluate(() => window.unmountApp());
    await untilClosed(`${tag}-2`, 'the app unmounted, the socket is still open');
  });
}

/** Page A's client is disposed by other code and B (under <Suspense>) gets a new one for the
 *  key: A leaving must not dispose B's client. */
async function reRegistered(base) {
  const tag = `pkg-rereg-${process.pid}-${Date.now().toString(36)}`;
  const ws = `${WS}/echo?tag=${tag}`;
  await expectText(`${base}/?mode=suspense&ws=${encodeURIComponent(ws)}`, '#page-A .state', 'open', async (page) => {
    await expectShown(page, 'A');
    assert.equal(await page.evaluate((u) => window.ResilientWebSocket.disposeInstance(u), ws), true);
    await untilClosed(tag, 'disposeInstance left the socket open');
    await page.evaluate(() => window.showPage('B'));
    await expectShown(page, 'B');
    const s = await stats(tag);
    assert.deepEqual([s.open, s.max_open, s.accepted], [1, 1, 2], `B's client open: ${JSON.stringify(s)}`);
    await page.evaluate(() => window.unmountApp());
    await untilClosed(tag, 'the last user unmounted, the socket is still open');
  });
}

test('Vite + Vue 3: resilient-ws/vue, vite build, served, echoes', { timeout: 400000 }, async (t) => {
  const dir = await makeApp('vite-vue');
  // The app adds nothing to its Vite config for us (vite.config.js has only the Vue plugin).
  await run('npx', ['--no-install', 'vite', 'build'], dir);
  const site = await serve(join(dir, 'dist'));
  const tag = `pkg-vite-${process.pid}-${Date.now().toString(36)}`;
  try {
    await expectText(`${site.url}/?ws=${encodeURIComponent(`${WS}/echo?tag=${tag}`)}`, '#echo', 'hello from vite', async (page) => {
      assert.equal((await stats(tag)).open, 1);
      // { dispose: true }: the last component using the client unmounts -> the socket closes.
      await page.evaluate(() => window.unmountApp());
      const deadline = Date.now() + 5000;
      while ((await stats(tag)).open !== 0) {
        assert.ok(Date.now() < deadline, `the disposed client's socket is still open: ${JSON.stringify(await stats(tag))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await stats(tag)).accepted, 1, 'disposed, not reconnected');
    });
    // Two pages using the client with { dispose: true }, switched A -> B -> A (pages.js).
    for (const mode of ['suspense', 'keepalive']) {
      await t.test(`dispose: true, pages switched through <${mode === 'suspense' ? 'Suspense' : 'KeepAlive'}>: one live client`, () =>
        switchPages(site.url, mode),
      );
    }
    await t.test('dispose: true disposes only the client the component used, not one registered since', () =>
      reRegistered(site.url),
    );
    for (const mode of ['suspense', 'keepalive']) {
      await t.test(`VueUse's form (each page owns its client), pages switched through <${mode === 'suspense' ? 'Suspense' : 'KeepAlive'}>`, () =>
        switchPagesOwn(site.url, mode),
      );
    }
    await t.test("VueUse's form: a reactive URL changed by the app", () => urlChange(site.url));
  } finally {
    await site.close();
  }
  await t.test('server-side rendering in Node: resilient-ws/vue imports, renders, opens no socket', async () => {
    const tag = `pkg-ssr-${process.pid}-${Date.now().toString(36)}`;
    const out = await run(process.execPath, ['ssr.js', `${WS}/echo?tag=${tag}`], dir, { timeout: 15000 });
    // state, readyState, client === null, messages.length; without a DOM, then with one.
    const markup = '<p id="state">connecting 0 true 0</p>';
    assert.deepEqual(out.trim().split('\n'), [markup, '<p id="own">connecting 0 true</p>', markup, 'clients: 0']);
    const s = await stats(tag);
    assert.equal(s.accepted, 0, `the server saw a connection from server-side rendering: ${JSON.stringify(s)}`);
  });
  await t.test('the Vite dev server too (dependency pre-bundling)', async () => {
    const dev = await viteDev(dir, 20000 + (process.pid % 20000));
    try {
      const base = dev.base;
      // Hot module replacement: App.vue's script changes while the page runs, Vite swaps the
      // component (its setup runs again); the client is still one open connection, and the
      // app's unmount closes it.
      const tag = `pkg-hmr-${process.pid}-${Date.now().toString(36)}`;
      await expectText(`${base}/?ws=${encodeURIComponent(`${WS}/echo?tag=${tag}`)}`, '#echo', 'hello from vite', async (page) => {
        const file = join(dir, 'src/App.vue');
        const src = await readFile(file, 'utf8');
        await writeFile(file, src.replace('</script>', 'window.hmr = 1;\n</script>').replace('<p id="state">', '<p id="state" data-hmr="1">'));
        await page.waitForFunction(() => document.querySelector('#state[data-hmr]') !== null, null, { timeout: 10000 });
        await new Promise((r) => setTimeout(r, 500));
        const s = await stats(tag);
        assert.equal(s.open, 1, `after HMR: ${JSON.stringify(s)}`);
        await page.evaluate(() => window.unmountApp());
        await untilClosed(tag, 'after HMR and unmount, a socket is still open');
        await writeFile(file, src);
      });
    } finally {
      dev.stop();
    }
  });
});

test('webpack 5 (no config): imports resilient-ws, builds, echoes', { timeout: 400000 }, async () => {
  const dir = await makeApp('webpack');
  await run('npx', ['--no-install', 'webpack', '--mode', 'production'], dir);
  const site = await serve(dir);
  try {
    await expectText(`${site.url}/index.html?ws=${encodeURIComponent(`${WS}/echo`)}`, 'body', 'hello from webpack');
  } finally {
    await site.close();
  }
});

test('Node ESM: imports resilient-ws, echoes with ws as the WebSocket, exits after close', { timeout: 300000 }, async () => {
  const dir = await makeApp('node');
  const out = await run(process.execPath, ['index.js', `${WS}/echo`], dir, { timeout: 15000 });
  assert.equal(out.trim(), 'hello from node');
});

/** Starts the Vite dev server in `dir` (development React: StrictMode mounts twice). */
async function viteDev(dir, port) {
  const dev = spawn('npx', ['--no-install', 'vite', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: dir, detached: true });
  let out = '';
  dev.stdout.on('data', (d) => (out += d));
  dev.stderr.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  while (!(await fetch(base).then((r) => r.ok).catch(() => false))) {
    if (Date.now() > deadline) {
      try { process.kill(-dev.pid, 'SIGTERM'); } catch {}
      assert.fail(`vite dev did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, stop: () => { try { process.kill(-dev.pid, 'SIGTERM'); } catch {} } };
}

/** The React app (tests/package-apps/vite-react) at `base`: two components share one socket
 *  in <StrictMode>; one moves to another URL; unmount leaves nothing. */
async function reactApp(base) {
  const tag = `pkg-react-${process.pid}-${Date.now().toString(36)}`;
  const tag2 = `${tag}-2`;
  const ws = `${WS}/echo?tag=${tag}`;
  await expectText(`${base}/?ws=${encodeURIComponent(ws)}`, '#a', 'open hello from b', async (page) => {
    // Both components, one socket: each one's onOpen sent its hello, the echo reached both.
    await page.waitForFunction(() => document.querySelector('#b')?.textContent === 'open hello from b', null, { timeout: 5000 });
    let s = await stats(tag);
    assert.deepEqual([s.open, s.max_open, s.accepted], [1, 1, 1], `StrictMode + share: one connection: ${JSON.stringify(s)}`);
    // `a` moves to another URL: its own socket there; `b` keeps the first one.
    await page.evaluate(([w, w2]) => window.setUrls({ a: w2, b: w }), [ws, `${WS}/echo?tag=${tag2}`]);
    await page.waitForFunction(() => document.querySelector('#a')?.textContent === 'open hello from a', null, { timeout: 5000 });
    s = await stats(tag);
    const s2 = await stats(tag2);
    assert.deepEqual([s.open, s.accepted, s2.open, s2.accepted, s2.max_open], [1, 1, 1, 1, 1], `after the change: ${JSON.stringify([s, s2])}`);
    await page.evaluate(() => window.unmountApp());
    await untilClosed(tag, 'the app unmounted, a socket is still open');
    await untilClosed(tag2, 'the app unmounted, a socket is still open');
  });
}

for (const react of ['18', '19']) {
  test(`Vite + React ${react}: resilient-ws/react in <StrictMode> (dev server) and built; server-side rendering in Node`, { timeout: 400000 }, async (t) => {
    const dir = await makeApp('vite-react');
    if (react !== '19') await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `react@${react}`, `react-dom@${react}`], dir);
    const installed = JSON.parse(await readFile(join(dir, 'node_modules/react/package.json'), 'utf8')).version;
    assert.ok(installed.startsWith(`${react}.`), `react ${installed}`);
    await t.test('the Vite dev server (development React: StrictMode mounts twice)', async () => {
      const dev = await viteDev(dir, 21000 + (process.pid % 20000) + Number(react));
      try {
        await reactApp(dev.base);
      } finally {
        dev.stop();
      }
    });
    await t.test('vite build, served', async () => {
      await run('npx', ['--no-install', 'vite', 'build'], dir);
      const site = await serve(join(dir, 'dist'));
      try {
        await reactApp(site.url);
      } finally {
        await site.close();
      }
    });
    await t.test('server-side rendering in Node: resilient-ws/react imports, renders, opens no socket', async () => {
      const tag = `pkg-react-ssr-${process.pid}-${Date.now().toString(36)}`;
      const out = await run(process.execPath, ['ssr.js', `${WS}/echo?tag=${tag}`], dir, { timeout: 15000 });
      assert.deepEqual(out.trim().split('\n'), ['<p id="state">uninstantiated closed true</p>', 'clients: 0']);
      assert.equal((await stats(tag)).accepted, 0);
    });
  });
}
