// The recipes of docs/libraries.md, run with the real libraries (npm packages) in Node
// against their real servers on loopback: the files in docs/examples/ are the docs' code
// blocks, byte for byte (tests/docs.mjs checks that), and this file imports and runs them.
//
//   scripts/build web pkg && scripts/package --no-build   (the workspace package npm/)
//   node --test tests/e2e/libraries.mjs
//
// Node 20 has no global WebSocket; the recipes are written for browsers, so the `ws`
// package's constructor is installed as the global one first (what a browser provides).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema } from 'graphql';

globalThis.WebSocket ??= WebSocket;

// A client left reconnecting (a zombie) keeps the process alive: fail instead of hanging.
setTimeout(() => {
  console.error('libraries.mjs: still running after 120 s (a connection left behind?)');
  process.exit(1);
}, 120000).unref();

const { AppSocket } = await import('../../docs/examples/app-socket.js');
const { graphqlClient, GraphqlSocket } = await import('../../docs/examples/graphql-ws.js');
const { rxSocket } = await import('../../docs/examples/rxjs.js');
const { ResilientWebSocket } = await import('resilient-ws');

let echo;
let gql;
const accepted = { echo: 0, gql: 0 };
const open = { echo: 0, gql: 0 };
const maxOpen = { echo: 0, gql: 0 };
const port = (srv) => srv.address().port;

before(async () => {
  echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  echo.on('connection', (s) => {
    accepted.echo++;
    open.echo++;
    s.on('close', () => open.echo--);
    s.on('message', (d, binary) => s.send(d, { binary }));
  });
  gql = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/graphql' });
  gql.on('connection', (s) => {
    accepted.gql++;
    open.gql++;
    maxOpen.gql = Math.max(maxOpen.gql, open.gql);
    s.on('close', () => open.gql--);
  });
  const schema = buildSchema('type Query { hello: String } type Subscription { greetings: String ticks: Int }');
  const roots = {
    query: { hello: () => 'world' },
    subscription: {
      greetings: async function* greetings() {
        for (const hi of ['Hi', 'Bonjour', 'Hola']) yield { greetings: hi };
      },
      ticks: async function* ticks() {
        for (let i = 0; ; i++) {
          yield { ticks: i };
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    },
  };
  useServer({ schema, roots }, gql);
  await Promise.all([echo, gql].map((s) => new Promise((r) => (s.address() ? r() : s.on('listening', r)))));
});

after(() => {
  echo?.close();
  gql?.close();
});

const until = async (what, f, ms = 5000) => {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('the withOptions recipe: new AppSocket(url, protocols) is a client with the bound options and the constants', async () => {
  const ws = new AppSocket(`ws://127.0.0.1:${port(echo)}/`, []);
  assert.ok(ws instanceof ResilientWebSocket);
  assert.deepEqual([AppSocket.CONNECTING, AppSocket.OPEN, AppSocket.CLOSING, AppSocket.CLOSED], [0, 1, 2, 3]);
  await until('open', () => ws.readyState === 1);
  const got = new Promise((r) => ws.addEventListener('message', (e) => r(e.data), { once: true }));
  ws.send('hi');
  assert.equal(await got, 'hi');
  // reconnect: false, as bound: a server drop leaves it closed.
  for (const c of echo.clients) c.terminate();
  await until('closed', () => ws.readyState === 3);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ws.state, 'closed');
});

/** A query and a subscription through `client`; what the app and the server saw. */
async function graphqlRun(client) {
  const before = accepted.gql;
  const hello = await new Promise((resolve, reject) => {
    let result;
    client.subscribe({ query: '{ hello }' }, { next: (r) => (result = r), error: reject, complete: () => resolve(result) });
  });
  const greetings = await new Promise((resolve, reject) => {
    const got = [];
    client.subscribe({ query: 'subscription { greetings }' }, { next: (r) => got.push(r.data.greetings), error: reject, complete: () => resolve(got) });
  });
  await client.dispose();
  await until('no connection left after dispose', () => open.gql === 0);
  return { hello, greetings, accepted: accepted.gql - before };
}

test('graphql-ws (webSocketImpl) on our class: a query and a subscription, as on the native socket; no connection left after dispose', async () => {
  const { createClient } = await import('graphql-ws');
  const url = `ws://127.0.0.1:${port(gql)}/graphql`;
  const native = await graphqlRun(createClient({ url, webSocketImpl: WebSocket }));
  const ours = await graphqlRun(graphqlClient(url));
  assert.deepEqual(ours.hello, { data: { hello: 'world' } });
  assert.deepEqual(ours.greetings, ['Hi', 'Bonjour', 'Hola']);
  // graphql-ws is lazy: it closes when no operation is left, so each operation here opens
  // its own connection, with either socket.
  assert.deepEqual(ours, native);
});

test('RxJS webSocket (WebSocketCtor) on our class: JSON in, JSON out; unsubscribe closes', async () => {
  const subject = rxSocket(`ws://127.0.0.1:${port(echo)}/`);
  const got = [];
  const sub = subject.subscribe({ next: (m) => got.push(m) });
  subject.next({ n: 1 });
  subject.next({ n: 2 });
  await until('both echoes', () => got.length === 2);
  assert.deepEqual(got, [{ n: 1 }, { n: 2 }]);
  sub.unsubscribe();
  await until('no connection left after unsubscribe', () => open.echo === 0);
});

/** graphql-ws's own retry through `Ctor` across two server drops: what the app and the
 *  server saw, and what is left after dispose. */
async function graphqlDrops(Ctor) {
  const { createClient } = await import('graphql-ws');
  const url = `ws://127.0.0.1:${port(gql)}/graphql`;
  const before = accepted.gql;
  maxOpen.gql = open.gql;
  let connected = 0;
  const client = createClient({
    url,
    webSocketImpl: Ctor,
    retryAttempts: 10,
    retryWait: () => new Promise((r) => setTimeout(r, 200)),
    shouldRetry: () => true,
    on: { connected: () => connected++ },
  });
  const ticks = [];
  const errors = [];
  const stop = client.subscribe({ query: 'subscription { ticks }' }, { next: (r) => ticks.push(r.data.ticks), error: (e) => errors.push(String(e)), complete: () => {} });
  for (let drop = 0; drop < 2; drop++) {
    const n = ticks.length;
    await until('ticks', () => ticks.length >= n + 3);
    for (const c of gql.clients) c.terminate();
  }
  const n = ticks.length;
  await until('ticks after the drops', () => ticks.length >= n + 3);
  // Past a reconnectDelay of 1 s: a zombie would have reconnected by now.
  await new Promise((r) => setTimeout(r, 1500));
  const during = { accepted: accepted.gql - before, maxOpen: maxOpen.gql, connected };
  stop();
  await client.dispose();
  await new Promise((r) => setTimeout(r, 1500));
  return { ...during, openAfter: open.gql, errors };
}

test('graphql-ws with the class given as is (default options; reconnectDelay 1 s to keep it short): across server drops, what the app and the server see equals the native socket; nothing left after dispose', async () => {
  const native = await graphqlDrops(WebSocket);
  const ours = await graphqlDrops(ResilientWebSocket.withOptions({ reconnectDelay: 1000 }));
  console.log('graphql-ws across 2 drops: native', JSON.stringify(native), 'ours', JSON.stringify(ours));
  assert.deepEqual(native, { accepted: 3, maxOpen: 1, connected: 3, openAfter: 0, errors: [] });
  assert.deepEqual(ours, native);
});

test('ResilientWebSocket.withOptions: a subclass a library calls with (url, protocols), options bound and merged', async () => {
  const Preset = ResilientWebSocket.withOptions({ reconnect: false, pingInterval: 0 });
  assert.equal(Preset.OPEN, 1);
  assert.equal(Preset.name, 'ResilientWebSocket');
  assert.equal(Preset.length, 1);
  const ws = new Preset(`ws://127.0.0.1:${port(echo)}/`);
  assert.ok(ws instanceof ResilientWebSocket);
  assert.ok(ws instanceof Preset);
  await until('open', () => ws.readyState === 1);
  for (const c of echo.clients) c.terminate();
  await until('closed', () => ws.readyState === 3);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ws.state, 'closed', 'reconnect: false was bound');
  const More = Preset.withOptions({ reconnect: true, reconnectDelay: 100 });
  const ws2 = new More(`ws://127.0.0.1:${port(echo)}/`, []);
  await until('open', () => ws2.readyState === 1);
  for (const c of echo.clients) c.terminate();
  await until('reconnected', () => ws2.reconnectAttempt === 0 && ws2.readyState === 1 && accepted.echo >= 3, 5000);
  ws2.close();
  assert.throws(() => ResilientWebSocket.withOptions(5), TypeError);
  // Outside review: checked at the call (not inside a library's `new`), inherited options
  // read as the constructor reads them, the class's name not a minifier's.
  assert.throws(() => ResilientWebSocket.withOptions({ pingInterval: -1 }), RangeError);
  assert.throws(() => ResilientWebSocket.withOptions({ pingMessage: 42 }), TypeError);
  const Inherited = ResilientWebSocket.withOptions(Object.create({ pingInterval: 2000 }));
  const ws3 = new Inherited(`ws://127.0.0.1:${port(echo)}/`);
  await until('open', () => ws3.readyState === 1);
  const next = ws3.timing().nextPingAt - performance.now();
  assert.ok(next > 1000 && next <= 2000, `next ping in ${next} ms (inherited pingInterval 2000)`);
  ws3.close();
  assert.equal(ResilientWebSocket.name, 'ResilientWebSocket');
  await until('no connection left', () => open.echo === 0);
});

/** A half-open link under graphql-ws: the server stops reading and answering but keeps the
 *  TCP connection. How long until graphql-ws hears of it (`on.closed`), or null if not
 *  within `ms`. */
async function halfOpen(Ctor, ms) {
  const { createClient } = await import('graphql-ws');
  const url = `ws://127.0.0.1:${port(gql)}/graphql`;
  let connected = false;
  let closedAt = null;
  const client = createClient({
    url,
    webSocketImpl: Ctor,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: { connected: () => (connected = true), closed: () => (closedAt ??= Date.now()) },
  });
  await until('connected', () => connected);
  for (const c of gql.clients) c._socket.pause();
  const t0 = Date.now();
  await until('closed', () => closedAt !== null, ms).catch(() => {});
  const took = closedAt === null ? null : closedAt - t0;
  await client.dispose();
  for (const c of gql.clients) c.terminate();
  await until('no connection left', () => open.gql === 0);
  return took;
}

test('graphql-ws on a half-open link: the recipe (pingInterval 500, pongTimeout 500 here) detects it; graphql-ws alone does not', async () => {
  const native = await halfOpen(WebSocket, 3000);
  const ours = await halfOpen(GraphqlSocket.withOptions({ pingInterval: 500, pongTimeout: 500 }), 3000);
  console.log(`graphql-ws half-open detection (ms): native ${native} ours ${ours}`);
  assert.equal(native, null, 'graphql-ws alone has no keep-alive by default');
  assert.ok(ours !== null && ours <= 1500, `ours took ${ours} ms`);
});

// Outside review: an owner that uses its client after the close through an onX handler,
// timing() or clearQueue() keeps it reconnecting when another client for its URL starts.
test('zombies: a client used after its close (onX set or read, timing(), clearQueue()) is not taken for a replaced one', async () => {
  const url = `ws://127.0.0.1:${port(echo)}/`;
  const uses = {
    onmessage: (a) => { a.onmessage = () => {}; },
    readOnopen: (a) => void a.onopen,
    timing: (a) => a.timing(),
    clearQueue: (a) => a.clearQueue(),
  };
  for (const [name, use] of Object.entries(uses)) {
    const a = new ResilientWebSocket(url, [], { reconnectDelay: 500, pingInterval: 0 });
    let b;
    a.onclose = () => setTimeout(() => {
      if (b !== undefined) return;
      use(a);
      b = new ResilientWebSocket(url, [], { pingInterval: 0 });
    }, 20);
    await until('open', () => a.readyState === 1);
    const before = accepted.echo;
    for (const c of echo.clients) c.terminate();
    // Nothing here may touch `a` until it had time to reconnect (reading it is a use):
    // the server's count says whether it did (b's connection and a's new one).
    await until(`${name}: b and a's reconnect accepted`, () => accepted.echo >= before + 2, 3000).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(accepted.echo - before, 2, `${name}: a reconnected beside b`);
    assert.equal(a.readyState, 1, name);
    a.close();
    b.close();
    await until('no connection left', () => open.echo === 0);
  }
});

/** reconnecting-websocket's or partysocket's own retry through `Ctor` across two server
 *  drops, the app sending while it waits (the wrapper then reads the readyState of the
 *  socket it dropped): what the server saw, and what is left after close(). */
async function wrapperDrops(Wrapper, Ctor) {
  const url = `ws://127.0.0.1:${port(echo)}/`;
  const before = accepted.echo;
  let maxOpen = open.echo;
  const watch = setInterval(() => (maxOpen = Math.max(maxOpen, open.echo)), 5);
  const ws = new Wrapper(url, [], { WebSocket: Ctor, minReconnectionDelay: 200, maxReconnectionDelay: 200, maxRetries: 20 });
  const got = [];
  ws.addEventListener('message', (e) => got.push(e.data));
  await until('open', () => ws.readyState === 1);
  for (let drop = 0; drop < 2; drop++) {
    for (const c of echo.clients) c.terminate();
    await until('closed', () => ws.readyState !== 1);
    ws.send(`during ${drop}`); // queued by the wrapper; reads the dropped socket's readyState
    await until('reopened', () => ws.readyState === 1);
    // Its echo before the next drop (CI: a drop right after the open lost it, with either socket).
    await until(`the echo of during ${drop}`, () => got.includes(`during ${drop}`));
  }
  // Past a reconnectDelay of 1 s: a zombie would have reconnected by now.
  await new Promise((r) => setTimeout(r, 1500));
  ws.send('after');
  await until('echo', () => got.includes('after'));
  const during = { accepted: accepted.echo - before, maxOpen, got: [...got].sort() };
  ws.close();
  await new Promise((r) => setTimeout(r, 1500));
  clearInterval(watch);
  return { ...during, openAfter: open.echo };
}

// Outside review: reconnecting-websocket removes its listeners from the socket it drops (it
// counted as a use, so the dropped client reconnected beside the new one).
test('reconnecting-websocket and partysocket given the class as is: across server drops, the server sees what it sees with the native socket; nothing left after close', async () => {
  const { default: ReconnectingWebSocket } = await import('reconnecting-websocket');
  const { WebSocket: PartySocket } = await import('partysocket');
  const Ours = ResilientWebSocket.withOptions({ reconnectDelay: 1000 });
  for (const [name, Wrapper] of [['reconnecting-websocket', ReconnectingWebSocket], ['partysocket', PartySocket]]) {
    const native = await wrapperDrops(Wrapper, WebSocket);
    const ours = await wrapperDrops(Wrapper, Ours);
    console.log(`${name} across 2 drops: native`, JSON.stringify(native), 'ours', JSON.stringify(ours));
    assert.deepEqual(native.accepted, 3, name);
    assert.equal(native.maxOpen, 1, name);
    assert.deepEqual(ours, native, name);
  }
});

test('withOptions: binary heartbeat messages are copied at the call', async () => {
  const pings = [];
  const srv = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  srv.on('connection', (s) => s.on('message', (d, binary) => {
    if (binary) pings.push([...d]);
    s.send(d, { binary });
  }));
  await new Promise((r) => srv.on('listening', r));
  const ping = new Uint8Array([0xc0, 0]);
  const pong = new Uint8Array([0xc0, 0]);
  const Preset = ResilientWebSocket.withOptions({ pingMessage: ping, pongMessage: pong, pingInterval: 150, pongTimeout: 300, reconnect: false, binaryType: 'arraybuffer' });
  ping[0] = 0xff;
  pong[0] = 0xee;
  const ws = new Preset(`ws://127.0.0.1:${srv.address().port}/`);
  let closed = null;
  ws.onclose = (e) => (closed = e.code);
  try {
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(pings.length >= 3, `pings: ${JSON.stringify(pings)}`);
    assert.ok(pings.every((p) => p[0] === 0xc0), `the bound ping, as it was at the call: ${JSON.stringify(pings)}`);
    assert.equal(closed, null, 'the bound pong matched');
  } finally {
    ws.close();
    srv.close();
  }
  // (V8 names the class in the message in browsers; Node's says "Class constructors".)
  assert.throws(() => Preset('ws://127.0.0.1:1/'), TypeError);
});
