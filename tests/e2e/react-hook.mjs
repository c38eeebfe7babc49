// resilient-ws/react in Chromium (React 19, development build, so StrictMode mounts twice)
// against a real `ws` server that counts connections per path, and a server render in Node.
// What docs/react.md promises: StrictMode's double mount opens one connection, `share`
// gives components with one URL one connection (closed when the last unmounts), a URL
// change never has two connections at once, `null` and `connect: false` open nothing,
// unmount leaves no connection; lastMessage/lastJsonMessage/rtt; renderToString opens
// nothing.
//
//   scripts/build web pkg && scripts/package --no-build   (the workspace package npm/)
//   node --test tests/e2e/react-hook.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.mjs';
import { sleep, until } from '../support/until.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'test-output/react/');

let http;
let base;
let wsBase;
const counts = new Map(); // path -> { accepted, open, maxOpen }
const total = { open: 0, maxOpen: 0 }; // every path together
const count = (path) => {
  if (!counts.has(path)) counts.set(path, { accepted: 0, open: 0, maxOpen: 0 });
  return counts.get(path);
};
let browser;
let page;

before(async () => {
  await build({
    entryPoints: [join(ROOT, 'tests/e2e/react-lab/page.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"development"' },
    outfile: join(OUT, 'page.bundle.js'),
    logLevel: 'warning',
  });
  const files = {
    '/page.html': [join(ROOT, 'tests/e2e/react-lab/page.html'), 'text/html'],
    '/page.bundle.js': [join(OUT, 'page.bundle.js'), 'text/javascript'],
    '/resilient_ws_bg.wasm': [join(ROOT, 'npm/resilient_ws_bg.wasm'), 'application/wasm'],
  };
  http = createServer(async (req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f[1] }).end(await readFile(f[0]));
  });
  // /slow…: the handshake is answered after 500 ms (a socket that stays CONNECTING).
  const wss = new WebSocketServer({
    server: http,
    verifyClient: (info, cb) => (info.req.url.startsWith('/slow') ? setTimeout(() => cb(true), 500) : cb(true)),
  });
  wss.on('connection', (s, req) => {
    const c = count(new URL(req.url, 'http://x').pathname);
    c.accepted++;
    c.open++;
    c.maxOpen = Math.max(c.maxOpen, c.open);
    total.open++;
    total.maxOpen = Math.max(total.maxOpen, total.open);
    s.on('close', () => {
      c.open--;
      total.open--;
    });
    s.on('message', (d, binary) => s.send(d, { binary }));
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${http.address().port}`;
  wsBase = base.replace('http', 'ws');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/page.html`);
  await page.waitForFunction(() => window.labReady === true, null, { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  http?.close();
});

const ev = (fn, arg) => page.evaluate(fn, arg);
const seen = () => ev(() => window.lab.seen());

test('StrictMode: the double mount opens one connection; messages, JSON and rtt reach the render; unmount leaves none', async () => {
  const url = `${wsBase}/strict`;
  await ev(([u]) => window.lab.mount([{ id: 'a', url: u, options: { pingInterval: 200 } }], true), [url]);
  await until('open', async () => (await seen()).a?.readyState === 1);
  await sleep(300);
  assert.deepEqual(count('/strict'), { accepted: 1, open: 1, maxOpen: 1 }, 'one connection');
  assert.deepEqual(await ev(() => window.lab.effects()), { a: 2 }, 'StrictMode ran the mount effects twice');
  assert.deepEqual(await ev(() => window.lab.made()), { '/strict': 1 }, 'one socket made');
  await ev(() => window.lab.sendJson.a({ hello: 'react' }));
  await until('echo', async () => (await seen()).a.jsons.some((j) => j.hello === 'react'));
  await until('rtt', async () => typeof (await seen()).a.rtt === 'number', 3000);
  await ev(() => window.lab.unmount());
  await until('no connection after unmount', () => count('/strict').open === 0);
  assert.equal(count('/strict').accepted, 1);
});

test('share: two components with one URL use one connection, closed when the last unmounts', async () => {
  const url = `${wsBase}/shared`;
  const o = { share: true, pingInterval: 0 };
  await ev(([u, op]) => window.lab.mount([{ id: 'x', url: u, options: op }, { id: 'y', url: u, options: op }], true), [url, o]);
  await until('both open', async () => { const s = await seen(); return s.x?.readyState === 1 && s.y?.readyState === 1; });
  await ev(() => window.lab.send.x('to both'));
  await until('both got it', async () => { const s = await seen(); return s.x.last === 'to both' && s.y.last === 'to both'; });
  assert.equal(count('/shared').accepted, 1);
  await ev(([u, op]) => window.lab.set([{ id: 'y', url: u, options: op }]), [url, o]);
  await sleep(300);
  assert.equal(count('/shared').open, 1, 'y still uses it');
  await ev(() => window.lab.set([]));
  await until('closed with the last user', () => count('/shared').open === 0);
  assert.deepEqual(count('/shared'), { accepted: 1, open: 0, maxOpen: 1 });
  assert.equal((await ev(() => window.lab.made()))['/shared'], 1, 'one socket made');
  await ev(() => window.lab.unmount());
});

test("share: each component's filter decides its own lastMessage", async () => {
  const url = `${wsBase}/filtered`;
  await ev(([u]) => window.lab.mount([
    { id: 'all', url: u, options: { share: true, pingInterval: 0 } },
    { id: 'ys', url: u, options: { share: true, pingInterval: 0, filterPrefix: 'y:' } },
  ], true), [url]);
  await until('open', async () => (await seen()).ys?.readyState === 1);
  await ev(() => window.lab.send.all('x:1'));
  await until('x:1 at all', async () => (await seen()).all.last === 'x:1');
  await sleep(200);
  assert.equal((await seen()).ys.last, null, "ys's filter rejected x:1");
  await ev(() => window.lab.send.all('y:2'));
  await until('y:2 at both', async () => { const s = await seen(); return s.all.last === 'y:2' && s.ys.last === 'y:2'; });
  assert.equal(count('/filtered').accepted, 1);
  await ev(() => window.lab.unmount());
  await until('none left', () => count('/filtered').open === 0);
});

test('a URL change: the old connection closes before the next opens (never two); null and connect: false open nothing', async () => {
  const o = { pingInterval: 0 };
  await ev(([u, op]) => window.lab.mount([{ id: 'u', url: u, options: op }], true), [`${wsBase}/one`, o]);
  await until('open on /one', () => count('/one').open === 1);
  await ev(([u, op]) => window.lab.set([{ id: 'u', url: u, options: op }]), [`${wsBase}/two`, o]);
  await until('open on /two', async () => count('/two').open === 1 && (await seen()).u.readyState === 1)
    .catch(async (e) => {
      e.message += ` ${JSON.stringify({ counts: [...counts], seen: (await seen()).u, made: await ev(() => window.lab.made()), state: await ev(() => window.lab.socket.u()?.state) })}`;
      throw e;
    });
  assert.equal(count('/one').open, 0);
  assert.equal(count('/one').accepted + count('/two').accepted, 2, 'one connection each');
  await ev(([op]) => window.lab.set([{ id: 'u', url: null, options: op }]), [o]);
  await until('closed', () => count('/two').open === 0);
  await sleep(200);
  assert.equal((await seen()).u.readyState, -1, 'UNINSTANTIATED');
  await ev(([u, op]) => window.lab.set([{ id: 'u', url: u, options: op, connect: false }]), [`${wsBase}/three`, o]);
  await sleep(300);
  assert.equal(count('/three').accepted, 0);
  await ev(([u, op]) => window.lab.set([{ id: 'u', url: u, options: op, connect: true }]), [`${wsBase}/three`, o]);
  await until('open on /three', () => count('/three').open === 1);
  await ev(() => window.lab.unmount());
  await until('none left', () => count('/three').open === 0);
});

test('a URL change while the first socket is still connecting moves to the new URL (reconnect() alone would not)', async () => {
  const o = { pingInterval: 0 };
  await ev(([a, op]) => window.lab.mount([{ id: 'c', url: a, options: op }], false), [`${wsBase}/slow-c1`, o]);
  await until('the first socket made', async () => (await ev(() => window.lab.made()))['/slow-c1'] === 1);
  await ev(([b, op]) => window.lab.set([{ id: 'c', url: b, options: op }]), [`${wsBase}/c2`, o]);
  await until('open on /c2', async () => count('/c2').open === 1 && (await seen()).c.readyState === 1);
  await sleep(200);
  assert.equal(count('/slow-c1').open, 0);
  await ev(() => window.lab.unmount());
  await until('none left', () => count('/c2').open === 0);
});

// Outside review (issue 28), each failed before its fix:
test('share: a component replaced by another on the same URL in one commit, then unmount: no connection left, the old one hears nothing', async () => {
  const url = `${wsBase}/swap`;
  const o = { share: true, pingInterval: 0 };
  await ev(([u, op]) => window.lab.mount([{ id: 'p1', url: u, options: op }], true), [url, o]);
  await until('open', async () => (await seen()).p1?.readyState === 1);
  await ev(([u, op]) => window.lab.set([{ id: 'p2', url: u, options: op }]), [url, o]);
  await until('p2 open', async () => (await seen()).p2?.readyState === 1);
  await ev(() => window.lab.send.p2('to p2'));
  await until('p2 heard it', async () => (await ev(() => window.lab.heard())).p2?.includes('to p2'));
  assert.ok(!(await ev(() => window.lab.heard())).p1?.includes('to p2'), 'the unmounted p1 hears nothing');
  await ev(() => window.lab.unmount());
  await until('none left', () => count('/swap').open === 0);
});

test('share: a URL change never has two connections at once', async () => {
  const o = { share: true, pingInterval: 0 };
  await until('nothing open', () => total.open === 0);
  total.maxOpen = 0;
  await ev(([u, op]) => window.lab.mount([{ id: 'su', url: u, options: op }], true), [`${wsBase}/su1`, o]);
  await until('open on /su1', () => count('/su1').open === 1);
  await ev(([u, op]) => window.lab.set([{ id: 'su', url: u, options: op }]), [`${wsBase}/su2`, o]);
  await until('open on /su2', async () => count('/su2').open === 1 && (await seen()).su.readyState === 1);
  assert.equal(total.maxOpen, 1, 'never two at once');
  await ev(() => window.lab.unmount());
  await until('none left', () => total.open === 0);
});

test('sendMessage with no client yet (URL null) is sent once there is one; the first render says CONNECTING; onClose when the URL goes null', async () => {
  const o = { pingInterval: 0 };
  await ev(([op]) => window.lab.mount([{ id: 'n', url: null, options: op }], false), [o]);
  assert.equal((await ev(() => window.lab.first())).n, -1);
  await ev(() => window.lab.send.n('sent while null'));
  await ev(([u, op]) => window.lab.set([{ id: 'n', url: u, options: op }]), [`${wsBase}/late`, o]);
  await until('the early send echoed', async () => (await seen()).n.last === 'sent while null');
  await ev(([op]) => window.lab.set([{ id: 'n', url: null, options: op }]), [o]);
  await until('onClose', async () => (await ev(() => window.lab.closes())).n === 1);
  assert.equal((await seen()).n.readyState, -1);
  await ev(([u, op]) => window.lab.set([{ id: 'n', url: null, options: op }, { id: 'm', url: u, options: op }]), [`${wsBase}/late`, o]);
  assert.equal((await ev(() => window.lab.first())).m, 0, 'CONNECTING at the first render, with a URL');
  await ev(() => window.lab.unmount());
  await until('none left', () => count('/late').open === 0);
});

test('a server render (renderToString) opens nothing and renders the markup', async () => {
  const { createElement: h } = await import('react');
  const { renderToString } = await import('react-dom/server');
  const { useResilientWebSocket, ReadyState } = await import('resilient-ws/react');
  function View() {
    const { readyState, state } = useResilientWebSocket(`${wsBase}/ssr`);
    return h('p', null, `${readyState === ReadyState.UNINSTANTIATED ? 'not yet' : readyState} ${state}`);
  }
  const html = renderToString(h(View));
  assert.equal(html, '<p>not yet closed</p>');
  await sleep(300);
  assert.equal(count('/ssr').accepted, 0);
});
