// Differential: the Vue composable (`resilient-ws/vue`) against the class it wraps. Random
// programs of the composable's calls (send, close, reconnect) and server drops run on
// `useResilientWebSocket` (inside a Vue effect scope, as a component's setup would) and on
// a plain `ResilientWebSocket` with the same options; after each settled step the
// composable's reactive `state`/`readyState` must be the class's, and the messages it
// recorded as received must be the ones the class's listener got, in order.
//
//   scripts/build web pkg && scripts/package --no-build   (the workspace package npm/)
//   node --test tests/e2e/composable-diff.mjs
//
// In Node, like the recipes (libraries.mjs): `ws` is the global WebSocket; `window` and
// `document` are defined (as empty objects) so that the composable takes the browser path
// and creates its client, as it does when a component's setup runs in a browser.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { effectScope } from 'vue';

globalThis.WebSocket ??= WebSocket;
globalThis.window ??= {};
globalThis.document ??= {};

const { ResilientWebSocket } = await import('resilient-ws');
const { makeUseResilientWebSocket } = await import('resilient-ws/vue-core.js').catch(() => import('../../npm/vue-core.js'));
const useResilientWebSocket = makeUseResilientWebSocket(ResilientWebSocket);

let server;
before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (s) => s.on('message', (d, binary) => s.send(d, { binary })));
  await new Promise((r) => (server.address() ? r() : server.on('listening', r)));
});
after(() => server?.close());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(f, ms = 4000) {
  const t0 = Date.now();
  while (!f() && Date.now() - t0 < ms) await sleep(5);
}

/** A seeded program: [kind, n] — 0 send, 1 close, 2 reconnect, 3 the server drops all. */
function program(seed) {
  let x = (seed * 2654435761) % 4294967296 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
  const len = 3 + (next() % 8);
  return Array.from({ length: len }, (_, i) => [next() % 4, i * 10 + (next() % 10)]);
}

/** Runs `steps` on a target ({ send, close, reconnect, state(), rs(), got() }). */
async function run(steps, t) {
  const out = [];
  await until(() => t.state() === 'open');
  for (const [kind, n] of steps) {
    const open = t.state() === 'open';
    const opens = t.opens();
    if (kind === 0) t.send(`c${n}`);
    else if (kind === 1) t.close();
    else if (kind === 2) t.reconnect();
    else if (open) for (const c of server.clients) c.terminate();
    if (kind === 0 && open) await until(() => t.got().includes(`c${n}`));
    if (kind === 1 && open) await until(() => t.state() === 'closed');
    if (kind === 2 || (kind === 3 && open)) await until(() => t.opens() > opens && t.state() === 'open');
    out.push(`${kind}:${n}:${t.state()}:${t.rs()}`);
  }
  return { steps: out, got: t.got() };
}

test('the composable and the class give the same states and messages for 16 random programs', { timeout: 120000 }, async () => {
  const options = { pingInterval: 0, reconnectDelay: 100 };
  for (let seed = 1; seed <= 16; seed++) {
    const steps = program(seed);
    const url = `ws://127.0.0.1:${server.address().port}/?p=${seed}`;
    // The composable, as a component's setup runs it.
    const scope = effectScope();
    const v = scope.run(() => useResilientWebSocket({ url, ...options }, { dispose: true }));
    let vOpens = 0;
    v.client.addEventListener('open', () => vOpens++);
    const vue = await run(steps, {
      send: (d) => v.send(d),
      close: () => v.close(),
      reconnect: () => v.reconnect(),
      state: () => v.state.value,
      rs: () => v.readyState.value,
      opens: () => vOpens,
      got: () => v.messages.value.filter((m) => m.dir === 'in').map((m) => m.data).reverse(),
    });
    scope.stop(); // unmount: with dispose, the client is closed
    await until(() => v.client.state === 'closed');
    // The class, same options.
    const ws = new ResilientWebSocket(`${url}&class`, [], options);
    const got = [];
    let opens = 0;
    ws.addEventListener('open', () => opens++);
    ws.addEventListener('message', (e) => got.push(e.data));
    const cls = await run(steps, {
      send: (d) => ws.send(d),
      close: () => ws.close(),
      reconnect: () => ws.reconnect(),
      state: () => ws.state,
      rs: () => ws.readyState,
      opens: () => opens,
      got: () => got,
    });
    ws.close();
    assert.deepEqual(vue, cls, `seed ${seed}, program ${JSON.stringify(steps)}`);
  }
});
