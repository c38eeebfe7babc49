// The libraries' real servers for tests/e2e/libraries-browser.mjs, each on its own HTTP
// server on loopback, behind a TCP proxy that can drop every connection (a server drop)
// or hold them (a half-open link: nothing is forwarded either way, both TCP connections
// stay open). Each counts the WebSocket upgrades it accepted and how many are open.
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { createRequire } from 'node:module';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { buildSchema } from 'graphql';
import { Server as SocketIoServer } from 'socket.io';
import { Aedes } from 'aedes';

const require = createRequire(import.meta.url);
const StompServer = require('stomp-broker-js');

const listen = (srv) => new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv.address().port)));

/** A TCP proxy to `target`: `drop()`, `hold()` (half-open), `release()` (ends held pairs). */
async function proxy(target) {
  const pairs = new Set();
  const server = createTcpServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    const pair = { client, upstream, held: false };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => { if (!pair.held) end(); });
    }
    pair.end = end;
  });
  const port = await listen(server);
  return {
    port,
    drop() {
      for (const p of [...pairs]) p.end();
    },
    hold() {
      for (const p of pairs) {
        p.held = true;
        p.client.unpipe(p.upstream);
        p.upstream.unpipe(p.client);
        p.client.pause();
        p.upstream.pause();
      }
    },
    release() {
      for (const p of [...pairs]) if (p.held) p.end();
    },
    close() {
      for (const p of [...pairs]) p.end();
      server.close();
    },
  };
}

/** Counts the WebSocket upgrades `http` accepts, and how many are open. */
function counted(http) {
  const c = { accepted: 0, open: 0, maxOpen: 0 };
  http.on('upgrade', (req, socket) => {
    c.accepted++;
    c.open++;
    c.maxOpen = Math.max(c.maxOpen, c.open);
    socket.once('close', () => c.open--);
  });
  return c;
}

/** An async iterator of `{ news: n }` fed by `publish(n)` (a graphql subscription). */
function newsFeed(listeners) {
  const queue = [];
  let wake = null;
  let done = false;
  const push = (n) => {
    queue.push(n);
    wake?.();
  };
  listeners.add(push);
  return {
    [Symbol.asyncIterator]() { return this; },
    async next() {
      while (!queue.length && !done) await new Promise((r) => (wake = r));
      if (done) return { done: true, value: undefined };
      return { done: false, value: { news: queue.shift() } };
    },
    async return() {
      done = true;
      listeners.delete(push);
      wake?.();
      return { done: true, value: undefined };
    },
  };
}

const makers = {
  async graphql(http) {
    const wss = new WebSocketServer({ server: http, path: '/graphql' });
    const listeners = new Set();
    const schema = buildSchema('type Query { double(n: Int!): Int } type Subscription { news: Int }');
    const roots = {
      query: { double: ({ n }) => 2 * n },
      subscription: { news: () => newsFeed(listeners) },
    };
    useServer({ schema, roots }, wss);
    return {
      path: '/graphql',
      publish: (n) => { for (const l of listeners) l(n); },
      close: () => wss.close(),
    };
  },
  async socketio(http, o) {
    const io = new SocketIoServer(http, { transports: ['websocket'], pingInterval: o.socketIoPing, pingTimeout: o.socketIoTimeout });
    io.on('connection', (s) => s.on('double', (n, ack) => ack(2 * n)));
    return { path: '/', publish: (n) => io.emit('news', n), close: () => io.close() };
  },
  async mqtt(http) {
    const aedes = await Aedes.createBroker();
    const wss = new WebSocketServer({ server: http, path: '/mqtt' });
    wss.on('connection', (ws) => aedes.handle(createWebSocketStream(ws)));
    const pub = (topic, v) => aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(String(v)), qos: 0, retain: false, dup: false }, () => {});
    aedes.on('publish', (packet, client) => {
      if (client && packet.topic === 'double') pub('answers', 2 * Number(packet.payload.toString()));
    });
    return { path: '/mqtt', publish: (n) => pub('news', n), close: () => { wss.close(); aedes.close(); } };
  },
  async stomp(http, o) {
    const stomp = new StompServer({ server: http, path: '/stomp', heartbeat: [o.stompHeartbeat, o.stompHeartbeat] });
    stomp.subscribe('/app/double', (body) => stomp.send('/topic/answers', {}, String(2 * Number(body))));
    return { path: '/stomp', publish: (n) => stomp.send('/topic/news', {}, String(n)), close: () => {} };
  },
};

/** The server of `lib` ('graphql' | 'socketio' | 'mqtt' | 'stomp') behind its proxy:
 *  `{ url, publish(n), stats(), drop(), hold(), release(), close() }`. */
export async function libraryServer(lib, options) {
  const http = createServer((req, res) => res.writeHead(404).end());
  const counts = counted(http);
  const s = await makers[lib](http, options);
  const port = await listen(http);
  const p = await proxy(port);
  return {
    url: `ws://127.0.0.1:${p.port}${s.path}`,
    httpUrl: `http://127.0.0.1:${p.port}`,
    publish: s.publish,
    stats: () => ({ ...counts }),
    resetMax() { counts.maxOpen = counts.open; },
    drop: () => p.drop(),
    hold: () => p.hold(),
    release: () => p.release(),
    close() {
      p.close();
      s.close();
      http.closeAllConnections?.();
      http.close();
    },
  };
}
