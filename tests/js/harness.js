// Browser-side scenarios for tests/web.rs. Each runs against the real test server and
// returns what it observed (plain JSON-able data); the Rust test asserts on it. Scenarios
// that take a constructor run the same steps on the native WebSocket and on ours, so the
// test can compare what each observed.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function nativeWebSocket() {
  return WebSocket;
}

function once(target, type, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${type}`)), ms);
    target.addEventListener(type, (e) => { clearTimeout(t); resolve(e); }, { once: true });
  });
}

export async function stats(http, tag) {
  const r = await fetch(`${http}/control/stats?tag=${encodeURIComponent(tag)}`);
  return r.json();
}

/** The close codes the server received from clients of `tag`, oldest first. */
export async function closes(http, tag) {
  const r = await fetch(`${http}/control/closes?tag=${encodeURIComponent(tag)}`);
  return r.json();
}

async function control(http, path) {
  const r = await fetch(`${http}${path}`);
  return r.json();
}

function hex(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
  return `${bytes.length}:${h.toString(16)}`;
}

async function describe(data) {
  if (typeof data === 'string') return { kind: 'string', value: data.length > 64 ? `${data.length}:${hex(new TextEncoder().encode(data))}` : data };
  if (data instanceof ArrayBuffer) return { kind: 'arraybuffer', value: hex(new Uint8Array(data)) };
  if (data instanceof Blob) return { kind: 'blob', value: hex(new Uint8Array(await data.arrayBuffer())) };
  return { kind: typeof data, value: String(data) };
}

/** A reported error (a window 'error' event) as `Name: message`, the same in every engine
 *  (the event's own `message` is engine-specific: Chromium prefixes "Uncaught "). */
function reported(e) {
  const err = e.error;
  return err && typeof err === 'object' ? `${err.name}: ${err.message}` : String(e.message).replace(/^Uncaught /, '');
}

function errName(f) {
  try { f(); return 'none'; } catch (e) { return e && e.name; }
}

function errMessage(f) {
  try { f(); return ''; } catch (e) { return String(e && e.message); }
}

// ---- The interface's shape, as a program inspecting it sees it (an outside review found
// drift here that no behavioural scenario showed). Every key the native `WebSocket` has on
// its constructor and prototype, and EventTarget's methods as found through the prototype
// chain, described the same way for any class: data or accessor, enumerable/configurable/
// writable, function names and lengths, the constants' values; then the prototype chain, the
// toString tag, and what the accessors and methods do with a wrong `this`. Plain data, so
// `JSON.stringify(shapeOf(WebSocket)) === JSON.stringify(shapeOf(Ours))` is the whole check,
// and a key the native interface gains in a browser update is compared too.
export function shapeOf(C, N = WebSocket) {
  const fn = (f) => (typeof f !== 'function' ? String(f) : f === C || f === N ? 'the class' : `function '${f.name}'/${f.length}`);
  const show = (d, withValue) => {
    if (d === undefined) return 'absent';
    const flags = `${d.enumerable ? 'e' : '-'}${d.configurable ? 'c' : '-'}${'value' in d ? (d.writable ? 'w' : '-') : ''}`;
    if ('value' in d) return `data ${flags} ${typeof d.value === 'function' ? fn(d.value) : withValue ? String(d.value) : typeof d.value}`;
    return `accessor ${flags} get ${fn(d.get)} set ${fn(d.set)}`;
  };
  const key = (k) => (typeof k === 'symbol' ? k.toString() : k);
  const out = { ctor: {}, proto: {}, inherited: {}, wrongThis: {} };
  for (const k of Reflect.ownKeys(N)) out.ctor[key(k)] = show(Object.getOwnPropertyDescriptor(C, k), k !== 'name');
  for (const k of Reflect.ownKeys(N.prototype)) out.proto[key(k)] = show(Object.getOwnPropertyDescriptor(C.prototype, k), true);
  for (const k of Reflect.ownKeys(EventTarget.prototype)) {
    if (k === 'constructor' || k === Symbol.toStringTag) continue;
    let o = C.prototype;
    while (o !== null && !Object.prototype.hasOwnProperty.call(o, k)) o = Object.getPrototypeOf(o);
    out.inherited[key(k)] = o === null ? 'absent' : show(Object.getOwnPropertyDescriptor(o, k), true);
  }
  out.chain = [Object.getPrototypeOf(C.prototype) === EventTarget.prototype, Object.getPrototypeOf(C) === EventTarget];
  out.tag = [Object.prototype.toString.call(C.prototype), errName(() => String(C.prototype))];
  for (const k of Reflect.ownKeys(N.prototype)) {
    const d = Object.getOwnPropertyDescriptor(N.prototype, k);
    const mine = Object.getOwnPropertyDescriptor(C.prototype, k);
    if (d === undefined || mine === undefined || k === 'constructor') continue;
    const r = [];
    if (mine.get) r.push(errName(() => mine.get.call({})), errName(() => mine.get.call(C.prototype)), errName(() => C.prototype[k]));
    if (mine.set) r.push(errName(() => mine.set.call({}, 'blob')), errName(() => mine.set.call(C.prototype, 'blob')));
    if (typeof mine.value === 'function') r.push(errName(() => mine.value.call({}, 'x')), errName(() => mine.value.call(C.prototype, 'x')));
    if (r.length) out.wrongThis[key(k)] = r;
  }
  for (const k of ['addEventListener', 'removeEventListener', 'dispatchEvent']) {
    out.wrongThis[k] = [errName(() => C.prototype[k].call({}, 'x', null)), errName(() => C.prototype[k].call(C.prototype, new Event('x')))];
  }
  return out;
}

// The native interface, step by step: states, constants, subprotocol, every data kind,
// binaryType switch, close code/reason echo, event order.
export async function interfaceScenario(Ctor, base) {
  const log = [];
  // With { reconnect: false, pingInterval: 0 } ours must be indistinguishable from native
  // (the native constructor ignores a third argument).
  const ws = new Ctor(`${base}/echo`, ['echo', 'other'], { reconnect: false, pingInterval: 0 });
  log.push(['constructed', ws.readyState, ws.binaryType, ws.protocol, ws.bufferedAmount]);
  log.push(['constants', Ctor.CONNECTING, Ctor.OPEN, Ctor.CLOSING, Ctor.CLOSED, ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]);
  log.push(['url', ws.url]);
  log.push(['send-while-connecting', errName(() => ws.send('x'))]);
  ws.binaryType = 'nonsense';
  log.push(['binaryType-invalid-ignored', ws.binaryType]);
  const received = [];
  let gotAll;
  const all = new Promise((r) => { gotAll = r; });
  const sent = [];
  ws.onmessage = (e) => { received.push(e.data); if (received.length === sent.length) gotAll(); };
  for (const t of ['open', 'error', 'close']) ws.addEventListener(t, (e) => log.push(['event', t, ws.readyState, e.target === ws]));
  await once(ws, 'open');
  log.push(['open', ws.readyState, ws.protocol, typeof ws.extensions]);
  const big = new Uint8Array(65 * 1024).map((_, i) => (i * 7) & 255);
  const backing = new Uint8Array(64).map((_, i) => i);
  sent.push('héllo wörld 🌍', '', new ArrayBuffer(0), big.buffer, backing.subarray(5, 17),
    new DataView(backing.buffer, 3, 9), new Float32Array([1.5, -2.25]), new Blob(['blob-😀']),
    new Uint16Array(backing.buffer, 8, 4), new Int8Array(backing.buffer, 1, 3),
    new Int16Array(backing.buffer, 2, 2), new Int32Array(backing.buffer, 4, 2),
    new Uint32Array(backing.buffer, 8, 1), new Float64Array([Math.PI]), new Uint8ClampedArray([0, 255, 7]),
    new BigInt64Array([-5n]), new BigUint64Array(backing.buffer, 16, 2), new Blob([]));
  ws.send(sent[0]);
  ws.send(sent[1]);
  ws.binaryType = 'arraybuffer';
  log.push(['binaryType', ws.binaryType]);
  for (const d of sent.slice(2)) ws.send(d);
  await Promise.race([all, sleep(5000)]);
  for (const d of received) log.push(['received', await describe(d)]);
  log.push(['count', received.length]);
  ws.close(4321, 'bye ✓');
  log.push(['after-close', ws.readyState]);
  log.push(['close-twice', errName(() => ws.close(4321, 'again'))]);
  const ce = await once(ws, 'close');
  log.push(['close', ce.code, ce.reason, ce.wasClean, ws.readyState]);
  ws.send('after close');
  log.push(['bufferedAmount-after-close', ws.bufferedAmount]);
  ws.send(new Uint8Array(10));
  log.push(['bufferedAmount-after-close-2', ws.bufferedAmount]);
  return log;
}

// A server-initiated close and a refused handshake, as each client reports them.
export async function serverCloseScenario(Ctor, base) {
  const log = [];
  const ws = new Ctor(`${base}/close?code=4001&reason=server%20says%20bye`, undefined, { reconnect: false, pingInterval: 0 });
  ws.onopen = () => log.push(['open']);
  ws.onerror = () => log.push(['error']);
  const ce = await once(ws, 'close');
  log.push(['close', ce.code, ce.reason, ce.wasClean, ws.readyState]);
  const rj = new Ctor(`${base}/reject?status=403`, undefined, { reconnect: false, pingInterval: 0 });
  rj.onerror = () => log.push(['reject-error', rj.readyState]);
  const rc = await once(rj, 'close');
  log.push(['reject-close', rc.code, rc.wasClean, rj.readyState]);
  return log;
}

// Bad input: the error name for each, native vs ours (messages are checked separately).
export async function badInputScenario(Ctor, base) {
  const out = {};
  const mk = (...a) => () => new Ctor(...a);
  out.invalidUrl = errName(mk('ws://exa mple.com:99999/'));
  out.notAUrl = errName(mk('http://'));
  out.wrongScheme = errName(mk('ftp://127.0.0.1/'));
  out.fileScheme = errName(mk('file:///etc/passwd'));
  out.fragment = errName(mk(`${base}/echo#frag`));
  out.emptyFragment = errName(mk(`${base}/echo#`));
  out.duplicateProtocols = errName(mk(`${base}/echo`, ['a', 'a']));
  out.emptyProtocol = errName(mk(`${base}/echo`, ['']));
  out.spaceProtocol = errName(mk(`${base}/echo`, ['a b']));
  out.commaProtocol = errName(mk(`${base}/echo`, 'a,b'));
  out.nonAsciiProtocol = errName(mk(`${base}/echo`, ['é']));
  // WebIDL conversions: a Symbol is no string and no number, a BigInt no number.
  out.symbolUrl = errName(mk(Symbol('u')));
  out.symbolProtocol = errName(mk(`${base}/echo`, [Symbol('p')]));
  const ws = new Ctor(`${base}/echo`, [], { reconnect: false, pingInterval: 0 });
  await once(ws, 'open');
  for (const c of [0, 999, 1001, 1004, 2999, 5000, NaN, -1]) out[`close${c}`] = errName(() => ws.close(c));
  out.reason124 = errName(() => ws.close(1000, 'x'.repeat(124)));
  out.reason42Euro = errName(() => ws.close(1000, '€'.repeat(42)));
  out.closeSymbol = errName(() => ws.close(Symbol('c')));
  out.closeBigInt = errName(() => ws.close(1000n));
  out.reasonSymbol = errName(() => ws.close(1000, Symbol('r')));
  out.reason123 = errName(() => ws.close(4000, 'y'.repeat(123)));
  await once(ws, 'close');
  return out;
}

export async function messagesFor(Ctor, base) {
  return {
    fragment: errMessage(() => new Ctor(`${base}/echo#x`)),
    scheme: errMessage(() => new Ctor('ftp://127.0.0.1/')),
    duplicate: errMessage(() => new Ctor(`${base}/echo`, ['a', 'a'])),
    token: errMessage(() => new Ctor(`${base}/echo`, ['a b'])),
    pingInterval: errMessage(() => new Ctor(`${base}/echo`, [], { pingInterval: 'soon' })),
    pingIntervalNeg: errMessage(() => new Ctor(`${base}/echo`, [], { pingInterval: -1 })),
    pongTimeoutNaN: errMessage(() => new Ctor(`${base}/echo`, [], { pongTimeout: NaN })),
    reconnectDelayInf: errMessage(() => new Ctor(`${base}/echo`, [], { reconnectDelay: Infinity })),
    reconnectType: errMessage(() => new Ctor(`${base}/echo`, [], { reconnect: 'yes' })),
    pingMessageType: errMessage(() => new Ctor(`${base}/echo`, [], { pingMessage: 42 })),
    optionsType: errMessage(() => new Ctor(`${base}/echo`, [], 42)),
    names: {
      pingInterval: errName(() => new Ctor(`${base}/echo`, [], { pingInterval: 'soon' })),
      pingIntervalNeg: errName(() => new Ctor(`${base}/echo`, [], { pingInterval: -1 })),
      reconnectType: errName(() => new Ctor(`${base}/echo`, [], { reconnect: 'yes' })),
      sendObject: errName(() => new Ctor(`${base}/echo`, [], { maxQueued: 0 }).send({})),
      sendNumber: errName(() => new Ctor(`${base}/echo`, [], { maxQueued: 0 }).send(42)),
    },
  };
}

// Heartbeat against a peer that never answers: heartbeat-timeout, close 4000, reconnect.
export async function silentScenario(Ctor, base, tag) {
  const log = [];
  const ws = new Ctor(`${base}/silent?tag=${tag}`, [], { pingInterval: 300, pongTimeout: 200, reconnectDelay: 300 });
  for (const t of ['open', 'close', 'heartbeat-timeout', 'reconnecting', 'reconnect']) {
    ws.addEventListener(t, (e) => log.push([t, e.code ?? e.attempt ?? null, e.reason ?? e.delay ?? null]));
  }
  const t0 = performance.now();
  await once(ws, 'open');
  await once(ws, 'heartbeat-timeout', 3000);
  const dt = performance.now() - t0;
  await once(ws, 'reconnect', 3000);
  ws.close();
  return { log, timeoutAfterMs: Math.round(dt) };
}

// The server goes down for `ms`; the client reconnects after it returns, and the server
// never sees two connections of this client at once.
export async function serverDownScenario(Ctor, base, http, tag, ms) {
  const ws = new Ctor(`${base}/echo?tag=${tag}`, [], { reconnectDelay: 200, pingInterval: 0 });
  const events = [];
  for (const t of ['open', 'close', 'reconnecting', 'reconnect']) ws.addEventListener(t, () => events.push(t));
  await once(ws, 'open');
  const samples = [await stats(http, tag)];
  await control(http, `/control/down?ms=${ms}`);
  const reconnected = once(ws, 'reconnect', ms + 5000);
  const sampler = setInterval(() => { stats(http, tag).then((s) => samples.push(s), () => {}); }, 50);
  await reconnected;
  await sleep(300);
  clearInterval(sampler);
  samples.push(await stats(http, tag));
  const echo = once(ws, 'message');
  ws.send('after the outage');
  const m = await echo;
  ws.close();
  await once(ws, 'close');
  return {
    events,
    maxSampledOpen: Math.max(...samples.map((s) => s.open)),
    final: await stats(http, tag),
    echo: m.data,
  };
}

// Close codes: 1008 does not loop; a user close is never followed by a new connection.
export async function noReconnectScenario(Ctor, base, http, tag, kind) {
  const delay = 150;
  const url = kind === 'policy' ? `${base}/close?code=1008&reason=nope&tag=${tag}` : `${base}/echo?tag=${tag}`;
  const ws = new Ctor(url, [], { reconnectDelay: delay, pingInterval: 0 });
  const events = [];
  for (const t of ['open', 'close', 'reconnecting']) ws.addEventListener(t, (e) => events.push([t, e.code ?? null]));
  await once(ws, 'open');
  if (kind === 'user') ws.close(1000, 'done');
  await once(ws, 'close');
  await sleep(delay * 3 + 200);
  return { events, state: ws.state, readyState: ws.readyState, userClose: ws.userClose, stats: await stats(http, tag) };
}

// Re-entrancy: listeners that send, close and reconnect on the same client; `this` and
// `event.target` are the client; errors thrown by listeners are reported, not fatal.
export async function reentrancyScenario(Ctor, base) {
  const errors = [];
  const onErr = (e) => errors.push(reported(e));
  window.addEventListener('error', onErr);
  const ws = new Ctor(`${base}/echo`, [], { reconnectDelay: 100, pingInterval: 0 });
  const log = [];
  let opens = 0;
  ws.onopen = function (e) { opens += 1; log.push(['open', this === ws, e.target === ws, e.currentTarget === ws]); this.send(`hello ${opens}`); };
  ws.addEventListener('message', { handleEvent(e) { log.push(['listener-object', e.data]); } });
  const gotSecond = new Promise((resolve) => {
    ws.onmessage = function (e) {
      log.push(['message', e.data, this === ws, e.target === ws]);
      if (e.data === 'hello 1') { ws.reconnect(); ws.reconnect(); }
      if (e.data === 'hello 2') { ws.close(); resolve(); }
    };
  });
  ws.addEventListener('open', () => { throw new Error('listener blew up'); }, { once: true });
  await Promise.race([gotSecond, sleep(5000)]);
  await sleep(100);
  window.removeEventListener('error', onErr);
  return { log, opens, errors, state: ws.state };
}

// Messages sent while connecting are queued and flushed in order after open listeners' sends.
export async function queueScenario(Ctor, base) {
  const ws = new Ctor(`${base}/echo`, [], { pingInterval: 0 });
  ws.binaryType = 'arraybuffer';
  for (let i = 0; i < 5; i++) ws.send(`q${i}`);
  const queued = [ws.queuedAmount, ws.queuedBytes];
  ws.onopen = () => ws.send('auth');
  const got = [];
  await new Promise((resolve) => { ws.onmessage = (e) => { got.push(e.data); if (got.length === 6) resolve(); }; setTimeout(resolve, 3000); });
  ws.onopen = null;
  ws.onmessage = null;
  // binaryType survives a reconnect
  ws.reconnect();
  await once(ws, 'open');
  const bin = once(ws, 'message');
  ws.send(new Uint8Array([1, 2, 3]));
  const b = await bin;
  ws.close();
  const strict = new Ctor(`${base}/echo`, [], { maxQueued: 0 });
  const strictErr = errName(() => strict.send('x'));
  const noQueue = new Ctor(`${base}/echo`);
  const noQueueErr = errName(() => noQueue.send('x', { queue: false }));
  strict.close(); noQueue.close();
  return { queued, got, binaryKind: b.data instanceof ArrayBuffer ? 'arraybuffer' : typeof b.data, strictErr, noQueueErr, after: ws.queuedAmount };
}

// url as a function (sync or async), called before every attempt.
export async function dynamicUrlScenario(Ctor, base) {
  let calls = 0;
  const ws = new Ctor(async () => { calls += 1; await sleep(10); return `${base}/echo?attempt=${calls}`; }, [], { reconnectDelay: 50, pingInterval: 0 });
  await once(ws, 'open');
  const first = ws.url;
  ws.reconnect();
  await once(ws, 'open');
  const second = ws.url;
  ws.close();
  return { calls, first, second };
}

// The registry: one client per key.
export async function registryScenario(Ctor, base, http, tag) {
  const url = `${base}/echo?tag=${tag}`;
  const a = Ctor.getInstance(url);
  const b = Ctor.getInstance({ url });
  const same = a === b;
  await once(a, 'open');
  const s1 = await stats(http, tag);
  const disposed = Ctor.disposeInstance(url);
  await sleep(100);
  const c = Ctor.getInstance(url);
  const fresh = c !== a;
  await once(c, 'open');
  const keyed1 = Ctor.getInstance({ url, key: 'k1' });
  const keyed2 = Ctor.getInstance({ url: `${base}/echo?tag=${tag}-other`, key: 'k1' });
  Ctor.disposeInstance(url);
  Ctor.disposeInstance('k1');
  return { same, disposed, fresh, openAfterFirst: s1.open, keyedSame: keyed1 === keyed2, aState: a.readyState };
}

// Seed 001's calling code, unchanged but for where the URL comes from.
export async function seedScenario(WsClass, base, http, tag) {
  const hooks = [];
  const got = [];
  let socket;
  const thatVue = {
    openSuccess(ws) { hooks.push(['openSuccess', ws === socket]); ws.onopenSuccess(() => hooks.push(['opened'])); },
    getSocketMsg(ws) { hooks.push(['getSocketMsg', ws === socket]); ws.getWebSocketMsg((ev) => got.push(ev.data)); },
  };
  WsClass.configure({ url: `${base}/echo?tag=${tag}`, pingInterval: 300, pongTimeout: 200, reconnectDelay: 200 });
  socket = new WsClass(thatVue);
  socket.onopenSuccess(() => hooks.push(['opened']));
  socket.getWebSocketMsg((ev) => got.push(ev.data));
  const until = async (f, ms = 3000) => { const t = performance.now(); while (!f() && performance.now() - t < ms) await sleep(20); return f(); };
  await until(() => hooks.length >= 1);
  const openedFirst = socket.ws.readyState;
  socket.websocketSendMsg('a');
  socket.webSocketSendMsg('b');
  await until(() => got.includes('{"request":"ping"}'), 2000);
  const beforeDrop = got.slice();
  await control(http, '/control/drop-all');
  const reopened = await until(() => hooks.filter((h) => h[0] === 'opened').length >= 2, 4000);
  socket.closeSocket();
  const acc = (await stats(http, tag)).accepted;
  await sleep(700);
  const after = await stats(http, tag);
  return { hooks, beforeDrop, openedFirst, reopened, userClose: socket.userClose, acceptedAtClose: acc, acceptedLater: after.accepted, open: after.open, lock: socket.lockReconnect };
}

// 500 messages sent while the server is down all arrive exactly once and in order after the
// reconnect, after the `open` listener's auth message.
export async function outageQueueScenario(Ctor, base, http, tag) {
  const ws = new Ctor(`${base}/echo?tag=${tag}`, [], { reconnectDelay: 200, pingInterval: 0 });
  const overflow = [];
  ws.addEventListener('queue-overflow', (e) => overflow.push(e.data));
  await once(ws, 'open');
  await control(http, '/control/down?ms=2000');
  if (ws.readyState === 1) await once(ws, 'close');
  ws.addEventListener('open', () => ws.send('auth'));
  const n = 500;
  for (let i = 0; i < n; i++) ws.send(`m${i}`);
  const queued = ws.queuedAmount;
  const got = [];
  await new Promise((resolve) => {
    ws.onmessage = (e) => { got.push(e.data); if (got.length === n + 1) resolve(); };
    setTimeout(resolve, 10000);
  });
  await sleep(200);
  ws.close();
  const expected = ['auth', ...Array.from({ length: n }, (_, i) => `m${i}`)];
  return { queued, count: got.length, inOrderExactlyOnce: JSON.stringify(got) === JSON.stringify(expected), overflow: overflow.length, firstFew: got.slice(0, 3), stats: await stats(http, tag) };
}

// Queue bounds: every dropped message is reported; close(..., { clearQueue: true }) reports
// what it discards.
export async function overflowScenario(Ctor, base) {
  const dropped = [];
  const ws = new Ctor(`${base}/silent`, [], { maxQueued: 3, pingInterval: 0, reconnectDelay: 100000 });
  ws.addEventListener('queue-overflow', (e) => dropped.push(e.data));
  // Never let it open: close the connecting socket's chance by sending while connecting.
  for (let i = 0; i < 5; i++) ws.send(`x${i}`);
  const afterBound = dropped.slice();
  const errWs = new Ctor(`${base}/silent`, [], { maxQueued: 2, overflow: 'error', pingInterval: 0 });
  errWs.send('a'); errWs.send('b');
  const errName = (() => { try { errWs.send('c'); return 'none'; } catch (e) { return e.name; } })();
  errWs.close(1000, '', { clearQueue: false });
  const kept = errWs.queuedAmount;
  const cleared = [];
  const ws3 = new Ctor(`${base}/silent`, [], { pingInterval: 0 });
  ws3.addEventListener('queue-overflow', (e) => cleared.push(e.data));
  ws3.send('p'); ws3.send('q');
  ws3.close(1000, 'bye', { clearQueue: true });
  ws.close();
  return { afterBound, errName, kept, cleared, left: ws3.queuedAmount };
}

// JSON mode: parsed once, malformed frames still arrive (json undefined) with parse-error.
export async function jsonScenario(Ctor, base) {
  const ws = new Ctor(`${base}/json?mode=bad`, [], { json: true, pingInterval: 0 });
  const got = [];
  const errors = [];
  ws.addEventListener('parse-error', (e) => errors.push(e.data));
  await new Promise((resolve) => {
    ws.onmessage = (e) => { got.push([e.data, e.json === undefined ? null : e.json]); if (got.length === 4) resolve(); };
    ws.onopen = () => setTimeout(() => ws.sendJson({ event: 'MSG', data: 3 }), 50);
    setTimeout(resolve, 3000);
  });
  const state = ws.readyState;
  ws.close();
  return { got, errors, state };
}

// Routing by a field (seed 000: data.event) and by a path (seed 003: data.extend.code);
// hidden pongs reach neither message listeners nor routes.
export async function routingScenario(Ctor, base) {
  const a = new Ctor(`${base}/echo`, [], { routeBy: 'event', pingInterval: 0 });
  const seen = { CONNECT: 0, MSG: [], other: 0, messages: 0, thisOk: true };
  a.on('CONNECT', () => { seen.CONNECT += 1; });
  const onMsg = function (json, e) { seen.MSG.push(json.data); if (this !== a || e.target !== a) seen.thisOk = false; };
  a.on('MSG', onMsg);
  a.onmessage = () => { seen.messages += 1; };
  await once(a, 'open');
  a.sendJson({ event: 'CONNECT', uid: 1 });
  a.sendJson({ event: 'MSG', data: 'hi' });
  a.sendJson({ event: 'ONLINE', count: 3 });
  a.send('not json');
  await sleep(300);
  a.off('MSG', onMsg);
  a.sendJson({ event: 'MSG', data: 'after off' });
  await sleep(200);
  a.close();

  const b = new Ctor(`${base}/echo`, [], { routeBy: 'extend.code', pingInterval: 0 });
  const codes = [];
  b.on('10001', (j) => codes.push(['10001', j.extend.mess]));
  b.on('10002', (j) => codes.push(['10002', j.extend.mess]));
  await once(b, 'open');
  b.sendJson({ code: 10016, extend: { code: 10001, mess: 42 } });
  b.sendJson({ extend: { code: 10002, mess: 'ok' } });
  b.sendJson({ extend: { code: 30001, mess: 'system' } });
  await sleep(300);
  b.close();

  const c = new Ctor(`${base}/echo`, [], { routeBy: 'request', pingInterval: 100, pongTimeout: 1000, pongMessage: '{"request":"ping"}', hidePongs: true });
  let pongRouted = 0; let pongMessages = 0;
  c.on('ping', () => { pongRouted += 1; });
  c.onmessage = (e) => { if (e.data === '{"request":"ping"}') pongMessages += 1; };
  await once(c, 'open');
  await sleep(450);
  const t = c.timing();
  c.close();
  return { seen, codes, pongRouted, pongMessages, sawPong: t.lastPongAt !== null };
}

// A handshake that keeps being rejected: exponential backoff, then maxRetries gives up.
export async function retriesScenario(Ctor, base, http, tag) {
  const ws = new Ctor(`${base}/reject?status=403&tag=${tag}`, [], { reconnectDelay: 50, backoffFactor: 2, maxRetries: 3, pingInterval: 0 });
  const delays = [];
  const states = [];
  ws.addEventListener('reconnecting', (e) => delays.push([e.attempt, e.delay]));
  ws.addEventListener('statechange', (e) => states.push(`${e.from}>${e.to}`));
  const failed = await once(ws, 'reconnect-failed', 5000);
  await sleep(400);
  return { delays, attempts: failed.attempts, state: ws.state, readyState: ws.readyState, refused: (await stats(http, tag)).refused, states };
}

// A handshake that never completes: connectTimeout counts it as a failed attempt.
export async function connectTimeoutScenario(Ctor, base, http, tag) {
  const ws = new Ctor(`${base}/hang?tag=${tag}`, [], { connectTimeout: 300, reconnectDelay: 100, maxRetries: 1, pingInterval: 0 });
  const log = [];
  for (const t of ['error', 'close', 'reconnecting', 'reconnect-failed']) ws.addEventListener(t, (e) => log.push([t, e.code ?? e.attempt ?? e.attempts ?? null]));
  const t0 = performance.now();
  await once(ws, 'reconnect-failed', 5000);
  return { log, ms: Math.round(performance.now() - t0), state: ws.state, attempts: (await stats(http, tag)).refused };
}

// offline holds reconnects (no new connection reaches the server), online reconnects at once.
export async function offlineScenario(Ctor, base, http, tag) {
  const ws = new Ctor(`${base}/echo?tag=${tag}`, [], { reconnectDelay: 100, pingInterval: 200, pongTimeout: 100 });
  await once(ws, 'open');
  window.dispatchEvent(new Event('offline'));
  const whileOffline = ws.timing();
  await control(http, '/control/drop-all');
  await sleep(600);
  const held = await stats(http, tag);
  const stateHeld = ws.state;
  const t0 = performance.now();
  window.dispatchEvent(new Event('online'));
  await once(ws, 'open', 3000);
  const reopenMs = Math.round(performance.now() - t0);
  ws.close();
  return { nextPingWhileOffline: whileOffline.nextPingAt, heldAccepted: held.accepted, stateHeld, reopenMs };
}

// The back/forward cache hooks, driven by synthetic page-transition events (the e2e layer
// drives the real cache): pagehide persisted → closed 4002, nothing on the server, queue
// kept, no timers; pageshow persisted → open at once, queue flushed. Not persisted: nothing.
export async function pageCacheScenario(Ctor, base, http, tag, options) {
  const ws = new Ctor(`${base}/echo?tag=${tag}`, [], options);
  const log = [];
  for (const ty of ['open', 'close', 'reconnecting', 'reconnect']) {
    ws.addEventListener(ty, (e) => log.push(ty + (e.code ? `:${e.code}` : '') + (e.delay !== undefined ? `:${e.delay}` : '')));
  }
  ws.addEventListener('message', (e) => log.push(`message:${e.data}`));
  await once(ws, 'open');
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
  await sleep(100);
  const afterPlainHide = ws.state;
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
  const stateCached = ws.state;
  ws.send('queued while cached');
  const timing = ws.timing();
  await sleep(300);
  const cached = await stats(http, tag);
  const closedWith = await closes(http, tag);
  const t0 = performance.now();
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  await once(ws, 'open', 3000);
  const reopenMs = Math.round(performance.now() - t0);
  await sleep(200);
  const seen = log.slice();
  ws.close();
  const after = await stats(http, tag);
  return { afterPlainHide, stateCached, openWhileCached: cached.open, reconnectAt: timing.reconnectAt, nextPingAt: timing.nextPingAt, reopenMs, log: seen, maxOpen: after.max_open, closedWith };
}

// Issue 11: our heartbeat deadlines land as close to their time as a native timer does,
// in a page where other clients are busy (echo traffic), measured side by side: each ping's
// lateness (engine time of the ping − its planned time) and a native setTimeout aimed at the
// same planned time.
export async function timerLatenessScenario(Ctor, base) {
  const busy = [];
  for (let i = 0; i < 5; i++) busy.push(new Ctor(`${base}/echo`, [], { pingInterval: 0, reconnect: false }));
  await Promise.all(busy.map((w) => once(w, 'open')));
  let stop = false;
  const payload = 'x'.repeat(512);
  for (const w of busy) {
    w.onmessage = () => { if (!stop) w.send(payload); };
    for (let k = 0; k < 4; k++) w.send(payload);
  }
  const ws = new Ctor(`${base}/echo`, [], { pingInterval: 700, pongTimeout: 5000 });
  await once(ws, 'open');
  const ours = [];
  const native = [];
  for (let i = 0; i < 4; i++) {
    const planned = ws.timing().nextPingAt;
    const nativeDone = new Promise((resolve) => {
      setTimeout(() => {
        native.push(performance.now() - planned);
        resolve();
      }, Math.max(0, planned - performance.now()));
    });
    await new Promise((resolve) => {
      const t0 = performance.now();
      const poll = () => {
        const t = ws.timing();
        if (t.lastPingAt !== null && t.lastPingAt >= planned) {
          ours.push(t.lastPingAt - planned);
          resolve();
        } else if (performance.now() - t0 > 5000) {
          ours.push(NaN);
          resolve();
        } else {
          setTimeout(poll, 5);
        }
      };
      poll();
    });
    await nativeDone;
    await once(ws, 'message', 3000); // the pong; the next ping is planned from it
  }
  stop = true;
  for (const w of busy) w.close();
  ws.close();
  return { ours, native, engine: navigator.userAgent };
}

// statechange sequence for open → user close.
export async function stateScenario(Ctor, base) {
  const ws = new Ctor(`${base}/echo`, [], { pingInterval: 0 });
  const states = [];
  ws.addEventListener('statechange', (e) => states.push(`${e.from}>${e.to}:${ws.state}`));
  await once(ws, 'open');
  ws.close();
  await once(ws, 'close');
  return states;
}

// ---- The fault matrix (issue: reliability). Each row returns what it observed, plus the
// errors that escaped to the page and the server's view of the client's connections.
async function guarded(f) {
  const escaped = [];
  const onErr = (e) => escaped.push(reported(e));
  const onRej = (e) => escaped.push(`unhandled rejection: ${e.reason}`);
  window.addEventListener('error', onErr);
  window.addEventListener('unhandledrejection', onRej);
  try {
    const r = await f();
    await sleep(50);
    return { ...r, escaped };
  } finally {
    window.removeEventListener('error', onErr);
    window.removeEventListener('unhandledrejection', onRej);
  }
}

// Sends `n` numbered messages now (queued while the client is not open) and resolves with
// the echoes of exactly those messages that arrive within `ms` — to check that none is lost
// or duplicated across the fault.
function echoesOf(ws, prefix, n, ms = 5000) {
  const got = [];
  const want = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const done = new Promise((resolve) => {
    const h = (e) => {
      if (typeof e.data === 'string' && e.data.startsWith(prefix)) got.push(e.data);
      if (got.length >= n) { ws.removeEventListener('message', h); resolve(); }
    };
    ws.addEventListener('message', h);
    setTimeout(() => { ws.removeEventListener('message', h); resolve(); }, ms);
  });
  for (const m of want) ws.send(m);
  return done.then(() => ({ exactlyOnceInOrder: JSON.stringify(got) === JSON.stringify(want), got: got.length }));
}

export async function faultRow(Ctor, base, http, tag, row) {
  const url = (path) => `${base}${path}${path.includes('?') ? '&' : '?'}tag=${tag}`;
  const fast = { reconnectDelay: 100, pingInterval: 0 };
  return guarded(async () => {
    switch (row) {
      case 'server-down-at-start': {
        await control(http, '/control/down?ms=800');
        const ws = new Ctor(url('/echo'), [], fast);
        const queued = echoesOf(ws, 'q-start-', 50, 6000); // sent while the server is down
        const opened = await once(ws, 'open', 5000).then(() => true, () => false);
        const attempts = ws.reconnectAttempt;
        const queue = await queued;
        ws.close();
        return { opened, attempts, queue, stats: await stats(http, tag) };
      }
      case 'tcp-drop': {
        const ws = new Ctor(url('/drop?after_ms=400'), [], fast);
        const closes = [];
        ws.addEventListener('close', (e) => closes.push([e.code, e.wasClean]));
        await once(ws, 'open');
        await once(ws, 'close', 3000);
        const queue = echoesOf(ws, 'q-drop-', 50, 3000); // sent while waiting to reconnect
        await once(ws, 'reconnect', 3000);
        const q = await queue;
        ws.close();
        // (If the next drop came first, the client was waiting and is closed at once.)
        if (ws.readyState !== 3) await once(ws, 'close');
        return { closes: closes.slice(0, 1), queue: q, stats: await stats(http, tag), state: ws.state };
      }
      case 'server-close-1000': case 'server-close-1001': case 'server-close-1008':
      case 'server-close-1011': case 'server-close-4001': {
        const code = Number(row.slice(-4));
        const ws = new Ctor(url(`/close?code=${code}&after_ms=50`), [], fast);
        const events = [];
        ws.addEventListener('close', (e) => events.push(['close', e.code]));
        ws.addEventListener('reconnecting', () => events.push(['reconnecting']));
        await once(ws, 'close');
        await sleep(350);
        const state = ws.state;
        ws.close();
        return { events: events.slice(0, 2), state, stats: await stats(http, tag) };
      }
      case 'reconnect-burst': {
        const ws = new Ctor(url('/echo'), [], fast);
        await once(ws, 'open');
        for (let i = 0; i < 100; i++) ws.reconnect();
        const queue = echoesOf(ws, 'q-burst-', 50, 3000); // sent while the new socket connects
        await once(ws, 'open', 3000);
        const q = await queue;
        await sleep(200);
        const s = await stats(http, tag);
        ws.close();
        return { stats: s, queue: q, state: ws.state };
      }
      case 'close-while-connecting': {
        const ws = new Ctor(url('/echo'), [], fast);
        ws.close(1000, 'never mind');
        const rs = ws.readyState;
        const ce = await once(ws, 'close');
        await sleep(400);
        return { readyStateAfterClose: rs, code: ce.code, state: ws.state, stats: await stats(http, tag) };
      }
      case 'huge-message': {
        const ws = new Ctor(url('/blast?n=1&size=16777216&binary=1'), [], { pingInterval: 1000, pongTimeout: 1000 });
        ws.binaryType = 'arraybuffer';
        const m = await once(ws, 'message', 15000);
        const len = m.data.byteLength;
        const state = ws.readyState;
        ws.close();
        return { len, state };
      }
      case 'closed-and-collected-mid-reconnect': {
        for (let i = 0; i < 3; i++) { if (typeof gc === 'function') gc(); await sleep(30); }
        const before = Ctor.liveClients;
        let ws = new Ctor(url('/drop?after_ms=0'), [], { reconnectDelay: 300, pingInterval: 0 });
        await once(ws, 'reconnecting', 3000);
        let collected = false;
        const registry = new FinalizationRegistry(() => { collected = true; });
        registry.register(ws, 'client');
        ws.close();
        ws = null;
        for (let i = 0; i < 100 && (!collected || Ctor.liveClients > before); i++) {
          if (typeof gc === 'function') gc();
          await sleep(50);
        }
        const live = Math.max(0, Ctor.liveClients - before);
        const s1 = await stats(http, tag);
        await sleep(900);
        const s2 = await stats(http, tag);
        return { collected, liveAfterGc: live, gcAvailable: typeof gc === 'function', acceptedBefore: s1.accepted, acceptedAfter: s2.accepted, open: s2.open };
      }
      default:
        throw new Error(`unknown row ${row}`);
    }
  });
}

// ---- Bad-input catalogue: every option with values of the wrong type or out of range.
export function optionCatalogue(Ctor, base) {
  const T = 'TypeError';
  const R = 'RangeError';
  const cases = [];
  const add = (option, value, expect, shown) => cases.push({ option, value, expect, shown: shown ?? String(value) });
  for (const o of ['pingInterval', 'pongTimeout', 'reconnectDelay', 'maxReconnectDelay', 'connectTimeout', 'closeTimeout']) {
    add(o, 'soon', T, "'soon'"); add(o, true, T); add(o, null, T); add(o, {}, T, '{}');
    add(o, -1, R); add(o, NaN, R); add(o, Infinity, R); add(o, 2 ** 31, R);
  }
  add('pongTimeout', 0, R);
  for (const o of ['reconnect', 'jitter', 'hidePongs', 'json', 'bfcache']) { add(o, 'yes', T, "'yes'"); add(o, 1, T); add(o, null, T); }
  for (const o of ['maxRetries', 'maxQueued', 'maxQueuedBytes']) {
    add(o, 'many', T, "'many'"); add(o, -1, R); add(o, 1.5, R); add(o, NaN, R); add(o, 2 ** 32, R);
  }
  add('maxQueued', Infinity, R); add('maxQueuedBytes', Infinity, R);
  for (const v of [0.5, NaN, Infinity, 101, -2]) add('backoffFactor', v, R);
  add('backoffFactor', '2', T, "'2'");
  for (const o of ['isPong', 'shouldReconnect', 'WebSocket']) { add(o, 'yes', T, "'yes'"); add(o, {}, T, '{}'); add(o, 1, T); }
  for (const o of ['pingMessage', 'pongMessage']) { add(o, 42, T); add(o, {}, T, '{}'); }
  add('pongMessage', null, T); // (pingMessage: null is the passive heartbeat)
  add('overflow', 'drop', T, "'drop'"); add('overflow', 1, T);
  add('binaryType', 'foo', T, "'foo'"); add('binaryType', 1, T);
  add('routeBy', '', T, "''"); add('routeBy', 'a..b', T, "'a..b'"); add('routeBy', 5, T);
  const out = [];
  for (const c of cases) {
    let name = 'none';
    let message = '';
    try {
      const ws = new Ctor(`${base}/echo`, [], { [c.option]: c.value });
      ws.close();
    } catch (e) { name = e.name; message = e.message; }
    out.push({ option: c.option, value: c.shown, expect: c.expect, name, message });
  }
  for (const v of [42, 'x', true]) {
    let name = 'none'; let message = '';
    try { new Ctor(`${base}/echo`, [], v); } catch (e) { name = e.name; message = e.message; }
    out.push({ option: '(options)', value: JSON.stringify(v), expect: T, name, message });
  }
  // Unknown option names: a console.warn naming the option, no throw.
  const warned = [];
  const warn = console.warn;
  console.warn = (...a) => warned.push(a.join(' '));
  let unknownName = 'none';
  try { new Ctor(`${base}/echo`, [], { pingIntervall: 5, reconnect: false }).close(); } catch (e) { unknownName = e.name; } finally { console.warn = warn; }
  return { out, unknown: { name: unknownName, warned } };
}

// Re-entrant calls from inside every event callback: listeners poke the client every way
// they can (send, getters, add/remove listeners, timing) and some reconnect or close it.
export async function reentryEverywhere(Ctor, base) {
  const escaped = [];
  const onErr = (e) => escaped.push(reported(e));
  window.addEventListener('error', onErr);
  // pongMessage never matches: the heartbeat times out every ~250 ms, so every event fires.
  const ws = new Ctor(`${base}/json?mode=bad`, [], { json: true, pingInterval: 150, pongTimeout: 100, pongMessage: 'never', reconnectDelay: 100, maxQueued: 2 });
  const types = ['open', 'message', 'error', 'close', 'reconnecting', 'reconnect', 'heartbeat-timeout', 'statechange', 'queue-overflow', 'parse-error'];
  const seen = {};
  const noop = () => {};
  for (const t of types) {
    ws.addEventListener(t, function (e) {
      seen[t] = (seen[t] || 0) + 1;
      // Everything a listener may touch:
      void [this.readyState, this.bufferedAmount, this.protocol, this.url, this.state, this.queuedAmount, this.timing()];
      this.addEventListener(t, noop);
      this.removeEventListener(t, noop);
      // (Not from queue-overflow: sending into a full queue from its own overflow listener
      // is an endless loop by construction, as re-dispatching an event from its listener.)
      // (Only for the first few events of each type: echoes of non-JSON sends raise
      // parse-error, which would send more, a storm of the test's own making.)
      if (t !== 'queue-overflow' && seen[t] <= 3) for (let i = 0; i < 3; i++) this.send(`from ${t}`);
      if (t === 'reconnecting' && seen[t] === 1) this.reconnect(); // a no-op: lockReconnect
      if (t === 'parse-error' && seen[t] === 1) this.reconnect(); // replaces the open socket
    });
  }
  // /json's peer never answers pings after its three messages? It echoes: answer with the
  // echo; the heartbeat still runs. Let it churn, then close from inside a listener.
  await sleep(1200);
  await new Promise((resolve) => {
    ws.addEventListener('message', () => { ws.close(); resolve(); }, { once: true });
    ws.send('last');
    setTimeout(resolve, 2000);
  });
  await sleep(300);
  window.removeEventListener('error', onErr);
  return { seen, escaped, state: ws.state };
}

// URL resolution: relative URLs and http(s) schemes, native vs ours.
export function urlResolution(Ctor, base) {
  const http = base.replace('ws://', 'http://');
  const out = [];
  for (const u of ['/echo?x=1', 'echo', `${http}/echo`, `${base}/e%20cho?q=a b`, `${base.toUpperCase()}/Echo`]) {
    try { const ws = new Ctor(u, [], { reconnect: false, pingInterval: 0 }); out.push(ws.url); ws.onerror = () => {}; ws.close(); } catch (e) { out.push(e.name); }
  }
  return out;
}

// User policies as functions: shouldReconnect(closeEvent), isPong(event), protocols().
export async function policyFunctionsScenario(Ctor, base, http, tag) {
  const seenClose = [];
  const a = new Ctor(`${base}/close?code=4001&after_ms=50&tag=${tag}`, [], {
    reconnectDelay: 50, pingInterval: 0,
    shouldReconnect(e) { seenClose.push([e.code, this === a]); return e.code !== 4001; },
  });
  await once(a, 'close');
  await sleep(300);
  const aState = a.state;
  let pongChecks = 0;
  const b = new Ctor(`${base}/echo`, () => ['echo'], {
    pingInterval: 100, pongTimeout: 150, reconnectDelay: 50,
    pingMessage: 'PING?', isPong: (e) => { pongChecks += 1; return e.data === 'PING?'; }, hidePongs: true,
  });
  const visible = [];
  b.onmessage = (e) => visible.push(e.data);
  await once(b, 'open');
  b.send('not a pong');
  await sleep(400);
  const bProtocol = b.protocol;
  const bTiming = b.timing();
  // visibilitychange → visible: the link is checked at once (a ping goes out now).
  const c = new Ctor(`${base}/echo`, [], { pingInterval: 60000 });
  await once(c, 'open');
  const beforeVis = c.timing().lastPingAt;
  document.dispatchEvent(new Event('visibilitychange'));
  const afterVis = c.timing().lastPingAt;
  a.close(); b.close(); c.close();
  return { seenClose, aState, accepted: (await stats(http, tag)).accepted, pongChecks, visible, bProtocol, sawPong: bTiming.lastPongAt !== null, beforeVis, pingedOnVisible: afterVis !== null, hbTimeouts: 0 };
}

// A superseded socket never delivers an event: after a heartbeat drop the old /silent
// socket's own close (whenever Chromium gives up on its closing handshake) never arrives.
export async function supersededScenario(Ctor, base) {
  const ws = new Ctor(`${base}/silent`, [], { pingInterval: 200, pongTimeout: 100, reconnectDelay: 100 });
  const log = [];
  for (const t of ['open', 'close', 'error', 'heartbeat-timeout']) ws.addEventListener(t, (e) => log.push([t, e.code ?? null]));
  await once(ws, 'heartbeat-timeout', 3000);
  await once(ws, 'open', 3000);
  // Quiet for a while: the heartbeat is turned off by closing the client later, and the
  // dropped socket's closing handshake is left to Chromium. Nothing of it may arrive.
  const upTo = log.length;
  await once(ws, 'heartbeat-timeout', 3000);
  await once(ws, 'open', 3000);
  await sleep(1500);
  const observed = log.slice();
  ws.close(1000, 'done'); // /silent never answers the close frame: CLOSING, as natively
  return { upTo, observed, readyState: ws.readyState };
}

// The hot path (one plain onmessage, handled in JS): same event semantics as the Rust path.
export async function fastPathScenario(Ctor, base) {
  const ws = new Ctor(`${base}/echo`, [], { pingInterval: 100, pongTimeout: 1000 });
  const seen = [];
  ws.onmessage = function (e) {
    seen.push([e.data, this === ws, e.target === ws, e.currentTarget === ws, e instanceof MessageEvent, typeof e.origin]);
    if (e.data === 'boom') throw new Error('thrown in the fast path');
  };
  const errors = [];
  const onErr = (e) => errors.push(reported(e));
  window.addEventListener('error', onErr);
  await once(ws, 'open');
  ws.send('one');
  ws.send('boom');
  await sleep(350); // pings (slow path while a pong is awaited) and their echoes
  ws.send('two');
  await sleep(100);
  window.removeEventListener('error', onErr);
  ws.close();
  return { seen: seen.filter((s) => s[0] !== '{"request":"ping"}'), pings: seen.filter((s) => s[0] === '{"request":"ping"}').length, allTargets: seen.every((s) => s[1] && s[2] && s[3] && s[4]), errors };
}

// close() on a dead link: the peer never answers the closing handshake; after closeTimeout
// the client reports the socket closed (1006) instead of staying CLOSING.
export async function closeTimeoutScenario(Ctor, base, http, tag) {
  const ws = new Ctor(`${base}/silent?tag=${tag}`, [], { pingInterval: 60000, closeTimeout: 300 });
  await once(ws, 'open');
  const t0 = performance.now();
  ws.close(1000, 'bye');
  const closing = ws.readyState;
  const ce = await once(ws, 'close', 3000);
  const ms = Math.round(performance.now() - t0);
  await sleep(200);
  return { closing, code: ce.code, wasClean: ce.wasClean, ms, readyState: ws.readyState, state: ws.state, stats: await stats(http, tag) };
}

// ---- Issue 10 regressions: each case failed before the event-flow restructuring.
// Cases marked (diff) run on the native WebSocket and on ours; the test compares them.
async function settle(ms = 150) { await sleep(ms); }

async function collectGarbage(Ctor, before, isCollected) {
  for (let i = 0; i < 100 && (!isCollected() || Ctor.liveClients > before); i++) {
    if (typeof gc === 'function') gc();
    await sleep(50);
  }
}

/** Runs `body(register)` (which creates a client, uses it, drops it and registers what
 *  must be collected), then collects: whether it was freed and the change in liveClients. */
async function freedAfter(Ctor, body) {
  for (let i = 0; i < 3; i++) { if (typeof gc === 'function') gc(); await sleep(30); }
  const before = Ctor.liveClients;
  let collected = false;
  const reg = new FinalizationRegistry(() => { collected = true; });
  await body((obj) => reg.register(obj, 'x'));
  await collectGarbage(Ctor, before, () => collected);
  return { gc: typeof gc === 'function', collected, live: Ctor.liveClients - before };
}

export async function regression(Ctor, base, http, tag, which, SeedCtor) {
  const url = (p) => `${base}${p}${p.includes('?') ? '&' : '?'}tag=${encodeURIComponent(tag)}`;
  const plain = { reconnect: false, pingInterval: 0 };
  const errors = [];
  const onErr = (e) => errors.push(String(e.message || e.reason || e));
  window.addEventListener('error', onErr);
  window.addEventListener('unhandledrejection', onErr);
  try {
    switch (which) {
      // (diff) Issue 11: readyState inside the listeners of a refused connection, which
      // engines order differently (WebKit: still CONNECTING in `error`; Chromium: CLOSED).
      case 'refused-ready-state': {
        const watch = async (make) => {
          const seen = [];
          let ws;
          try {
            ws = make();
          } catch (e) {
            return [['constructor', e.name]];
          }
          seen.push(['constructed', ws.readyState]);
          await new Promise((resolve) => {
            ws.onerror = () => seen.push(['error', ws.readyState]);
            ws.onclose = (e) => {
              seen.push(['close', ws.readyState, e.code, e.wasClean]);
              resolve();
            };
            setTimeout(resolve, 3000);
          });
          await settle(50);
          seen.push(['after', ws.readyState]);
          ws.close();
          return seen;
        };
        const out = {};
        // A port the browser itself refuses to connect to (WebKit: `error` while still
        // CONNECTING, and no `close`).
        out.blockedPort = await watch(() => new Ctor(`${base.replace(/:\d+$/, '')}:1/`, [], plain));
        // A port where nothing listens.
        await control(http, '/control/down?ms=1500');
        out.refused = await watch(() => new Ctor(url('/echo'), [], plain));
        await sleep(1600); // the server is back for the next test
        return out;
      }
      // Issue 11: a reconnecting client on a port the browser refuses reaches `reconnecting`
      // in every engine (WebKit fires `error` and no `close` there).
      case 'blocked-port-reconnects': {
        const ws = new Ctor(`${base.replace(/:\d+$/, '')}:1/`, [], { reconnectDelay: 60000, pingInterval: 0 });
        const seen = [];
        for (const ty of ['error', 'close', 'reconnecting']) ws.addEventListener(ty, (e) => seen.push(ty + (ty === 'close' ? `:${e.code}` : '')));
        try {
          await once(ws, 'reconnecting', 6000);
        } catch {
          // reported by `seen`
        }
        const state = ws.state;
        ws.close();
        return { seen, state };
      }
      // (diff) Issue 11, found by the differential fuzzer in Firefox and WebKit: at the
      // target they invoke capture listeners first, in a pass of their own, so a listener a
      // capture listener adds runs in the same dispatch; Chromium makes one pass in order.
      case 'target-phases': {
        const ws = new Ctor(url('/echo'), [], plain);
        const order = [];
        ws.addEventListener('x', () => order.push('bubble'));
        ws.addEventListener('x', () => {
          order.push('capture');
          ws.addEventListener('x', () => order.push('added-by-capture'));
        }, true);
        ws.dispatchEvent(new Event('x'));
        const single = [];
        ws.addEventListener('y', () => {
          single.push('only-capture');
          ws.addEventListener('y', () => single.push('added'));
        }, { capture: true });
        ws.dispatchEvent(new Event('y'));
        ws.close();
        return { order, single };
      }
      // (diff) 1. A second message listener added after onmessage, once open.
      case 'second-listener': {
        const out = {};
        for (const [name, opts] of [['plain', plain], ['defaults', undefined]]) {
          const ws = opts ? new Ctor(url('/echo'), [], opts) : new Ctor(url('/echo'));
          const calls = { render: 0, audit: 0, auditThis: 0 };
          ws.onmessage = () => { calls.render++; };
          await once(ws, 'open');
          ws.addEventListener('message', function (e) { calls.audit++; if (this === ws && e.target === ws) calls.auditThis++; });
          ws.send('a');
          ws.send('b');
          await settle(300);
          ws.close();
          out[name] = calls;
        }
        return out;
      }
      // 2. close() while an async url function is pending.
      case 'close-while-url-pending': {
        const out = {};
        for (const [name, opts] of [['closeTimeout0', { pingInterval: 0 }], ['defaults', {}]]) {
          const t = `${tag}-${name}`;
          const ws = new Ctor(() => new Promise((r) => setTimeout(() => r(`${base}/echo?tag=${t}`), 200)), undefined, opts);
          const seen = [];
          for (const ty of ['error', 'close', 'open']) ws.addEventListener(ty, (e) => seen.push(ty === 'close' ? `close ${e.code}` : ty));
          const t0 = performance.now();
          ws.close();
          const rsAfterClose = ws.readyState;
          await settle(600);
          out[name] = { seen, rsAfterClose, readyState: ws.readyState, state: ws.state, ms: Math.round(performance.now() - t0) > 0, stats: await stats(http, t) };
        }
        return out;
      }
      // 3. Traps: user getters that touch the client while it is borrowed; a frozen event; byte counts.
      case 'traps': {
        const out = {};
        const ws = new Ctor(url('/hang'), [], { pingInterval: 0, maxQueuedBytes: 1 << 20 });
        const view = new Uint8Array(4);
        Object.defineProperty(view, 'byteLength', { get() { ws.send('from a getter'); return 4; } });
        out.getterSend = errName(() => ws.send(view));
        const blob = new Blob(['x']);
        Object.defineProperty(blob, 'size', { get() { return 2 ** 33; } });
        const dropped = [];
        ws.addEventListener('queue-overflow', (e) => dropped.push(e.data === blob));
        out.hugeBlob = errName(() => ws.send(blob));
        out.hugeBlobDropped = dropped;
        out.queued = ws.queuedAmount;
        out.frozen = errName(() => ws.dispatchEvent(Object.freeze(new Event('x'))));
        let closeSeen = 0;
        ws.onclose = () => { closeSeen++; };
        ws.close();
        await settle(300);
        out.closeSeen = closeSeen;
        out.readyState = ws.readyState;
        return out;
      }
      // A socket made by the `WebSocket` option is user code: its methods may call back
      // into the client — here its send reads readyState and queuedAmount, also while the
      // messages queued before `open` are flushed.
      case 'foreign-socket-reenters': {
        const seen = [];
        let ws = null;
        class Spy extends WebSocket {
          send(d) {
            seen.push([d, ws.readyState, ws.queuedAmount]);
            super.send(d);
          }
        }
        ws = new Ctor(url('/echo'), [], { pingInterval: 0, WebSocket: Spy });
        const got = [];
        ws.onmessage = (e) => got.push(e.data);
        ws.send('a');
        ws.send('b');
        await once(ws, 'open');
        ws.send('c');
        await settle(300);
        ws.close();
        return { seen, got };
      }
      // A `WebSocket` option whose socket throws while the client wires it (its binaryType
      // setter; its onopen setter, which detaching the socket also sets): the attempt
      // fails, and the socket it made is closed, not left connected behind the client.
      case 'foreign-socket-setter-throws': {
        class BadBinaryType extends WebSocket {
          set binaryType(v) {
            throw new Error(`no binaryType ${v}`);
          }
        }
        class BadOnopen extends WebSocket {
          set onopen(v) {
            throw new Error('no onopen');
          }
        }
        const thrown = [BadBinaryType, BadOnopen].map((B) => errName(() => new Ctor(url('/echo'), [], { ...plain, WebSocket: B })));
        await settle(500);
        const s = await stats(http, tag);
        return { thrown, open: s.open };
      }
      // 4. An attempt that cannot create a socket: the constructor throws as natively;
      // a url function returning garbage is a failed attempt, reported after listeners exist.
      case 'constructor-throws': {
        const out = {};
        out.nativeBadPort = errName(() => new WebSocket('ws://127.0.0.1:25/'));
        out.oursBadPort = errName(() => new Ctor('ws://127.0.0.1:25/', [], plain));
        const ws = new Ctor(() => 'not a url at all', undefined, { reconnectDelay: 30, maxRetries: 2, pingInterval: 0 });
        const seen = [];
        for (const ty of ['error', 'close', 'reconnecting', 'reconnect-failed']) ws.addEventListener(ty, () => seen.push(ty));
        await settle(800);
        out.seen = seen;
        out.state = ws.state;
        return out;
      }
      // 5a. A closed client touched afterwards is still freed.
      case 'closed-then-touched-is-freed':
        return freedAfter(Ctor, async (register) => {
          const ws = new Ctor(url('/echo'), [], plain);
          ws.onmessage = () => {};
          await once(ws, 'open');
          ws.close();
          await once(ws, 'close');
          ws.onmessage = null;
          ws.addEventListener('message', () => {});
          register(ws);
        });
      // 5b. websocketClass after closeSocket(): it and its thatVue are freed.
      case 'seed-class-is-freed': {
        const r = await freedAfter(Ctor, async (register) => {
          const vue = { openSuccess() {}, getSocketMsg() {} };
          const sc = new SeedCtor(vue, url('/echo'));
          sc.onopenSuccess(() => {});
          sc.getWebSocketMsg(() => {});
          await once(sc.ws, 'open');
          sc.closeSocket();
          await once(sc.ws, 'close');
          register(vue);
        });
        return { gc: r.gc, vueCollected: r.collected, live: r.live };
      }
      // (diff) 6. Interface details.
      case 'interface': {
        const out = {};
        const ws = new Ctor(url('/echo'), [], plain);
        out.isEventTarget = ws instanceof EventTarget;
        out.closeNull = errName(() => ws.close(null));
        out.onerrorObject = (() => { const o = {}; ws.onerror = o; const r = ws.onerror === o; ws.onerror = null; return r; })();
        out.onerror42 = (() => { ws.onerror = 42; return ws.onerror; })();
        out.addString = errName(() => ws.addEventListener('message', 'str'));
        out.addNoArgs = errName(() => ws.addEventListener('message'));
        out.dispatchNonEvent = errName(() => ws.dispatchEvent({ type: 'x' }));
        const order = [];
        ws.onmessage = () => { order.push('first'); ws.onmessage = () => order.push('replacement'); };
        ws.addEventListener('message', () => order.push('listener'));
        const redispatch = [];
        ws.addEventListener('x', (e) => {
          redispatch.push(errName(() => ws.dispatchEvent(e)), e.eventPhase, e.currentTarget === ws, e.target === ws);
          e.stopImmediatePropagation();
        });
        ws.addEventListener('x', () => redispatch.push('after-stop'));
        const xe = new Event('x');
        out.dispatchReturn = ws.dispatchEvent(xe);
        out.afterDispatch = [xe.eventPhase, xe.currentTarget, xe.target === ws];
        out.redispatch = redispatch;
        await once(ws, 'open');
        ws.send('m1');
        ws.send('m2');
        await settle(300);
        out.order = order;
        const ac = new AbortController();
        const hits = [];
        const h = { handleEvent(e) { hits.push(`obj:${e.type}`); } };
        ws.addEventListener('message', h, { signal: ac.signal });
        ws.addEventListener('message', h);
        ws.addEventListener('message', () => hits.push('once'), { once: true });
        ws.send('m3');
        await settle(200);
        ac.abort();
        ws.send('m4');
        await settle(200);
        out.hits = hits;
        ws.close(1000, 'bye');
        await settle(200);
        return out;
      }
      // (diff) Native send conversion (issue 13 part 3).
      case 'send-conversion': {
        const ws = new Ctor(url('/echo'), [], plain);
        ws.binaryType = 'arraybuffer';
        const got = [];
        ws.onmessage = (e) => got.push(typeof e.data === 'string' ? e.data : `bin:${e.data.byteLength}`);
        await once(ws, 'open');
        const thrown = [];
        for (const v of [42, { toString() { return 'obj'; } }, null, undefined, true, Symbol('s'), new Uint16Array(3)]) {
          thrown.push(errName(() => ws.send(v)));
        }
        thrown.push(errName(() => ws.send()));
        await settle(300);
        ws.close();
        return { got, thrown };
      }
      // (diff) The interface's shape (shapeOf) and the conversions an outside review found
      // different: the toString tag (and so send(ws)), binaryType's ToString, protocols
      // null (the subprotocol "null") and undefined (none), a SharedArrayBuffer given to send
      // (wasm's shared memory makes one without cross-origin isolation), an empty URL.
      case 'shape': {
        const out = { shape: shapeOf(Ctor) };
        const ws = new Ctor(url('/echo'), undefined, plain);
        out.tag = [Object.prototype.toString.call(ws), String(ws), `${ws}`];
        const bt = [];
        ws.binaryType = { toString: () => 'arraybuffer' };
        bt.push(ws.binaryType);
        ws.binaryType = 'nonsense';
        bt.push(ws.binaryType);
        bt.push(errName(() => { ws.binaryType = Symbol('b'); }), ws.binaryType);
        ws.binaryType = 'blob';
        bt.push(ws.binaryType);
        out.binaryType = bt;
        // Two arguments: Blink converts a non-trailing `undefined` (`(url, undefined, {…})`)
        // to the subprotocol "undefined"; ours keeps that "none" (checked in tests/web.rs).
        const pn = new Ctor(url('/echo'), null);
        const pu = new Ctor(url('/echo'), undefined);
        const po = new Ctor(url('/echo'), undefined, plain);
        const got = [];
        ws.onmessage = (e) => got.push(e.data);
        await Promise.all([once(ws, 'open'), once(pn, 'open'), once(pu, 'open'), once(po, 'open')]);
        out.protocols = [pn.protocol, pu.protocol];
        out.undefinedThenOptions = po.protocol;
        pn.close();
        pu.close();
        po.close();
        ws.send(ws);
        let shared = null;
        try {
          shared = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer;
        } catch {
          // no shared memory in this engine: nothing to compare
        }
        out.sendShared = shared === null ? 'no shared memory' : [errName(() => ws.send(shared)), errName(() => ws.send(new Uint8Array(shared, 0, 4)))];
        out.emptyUrl = errName(() => new Ctor('', undefined, plain).close());
        ws.send('end');
        for (let t = 0; t < 150 && !got.includes('end'); t++) await sleep(20);
        out.got = got;
        ws.close();
        await settle(100);
        return out;
      }
      // (diff) Found by the differential fuzzer (each fixed with this test).
      case 'fuzz-findings': {
        const out = {};
        const ws = new Ctor(url('/echo'), [], plain);
        out.keys = Object.keys(ws);
        const probe = new Ctor(url('/echo'), [], plain);
        out.closeUndefinedReason = errName(() => probe.close(undefined, ''));
        probe.close();
        out.resizable = errName(() => ws.send(new ArrayBuffer(4, { maxByteLength: 8 })));
        out.resizableView = errName(() => ws.send(new Uint8Array(new ArrayBuffer(4, { maxByteLength: 8 }))));
        const seen = [];
        ws.addEventListener('x', { handleEvent: 42 });
        ws.addEventListener('x', function (e) { seen.push('after-bad-object'); e.stopImmediatePropagation(); });
        ws.addEventListener('x', () => seen.push('not reached'));
        const xe = new Event('x');
        // A listener object whose handleEvent is not callable: Firefox reports a TypeError,
        // Chromium reports nothing (measured); ours must do what this engine does.
        const reportedHere = [];
        const onBad = (e) => { reportedHere.push(e.error?.name ?? 'error'); e.preventDefault(); e.stopImmediatePropagation(); };
        window.addEventListener('error', onBad, true);
        try {
          ws.dispatchEvent(xe);
          ws.dispatchEvent(xe); // stopped before: natively no listener runs again
        } finally {
          window.removeEventListener('error', onBad, true);
        }
        out.reported = reportedHere;
        out.seen = seen;
        ws.addEventListener('y', (e) => e.preventDefault(), { passive: true });
        out.passivePrevent = ws.dispatchEvent(new Event('y', { cancelable: true }));
        await once(ws, 'open');
        const ce = once(ws, 'close');
        ws.close(3000.9);
        out.closeCode = (await ce).code;
        await settle(100);
        return out;
      }
      // A closed client whose listeners close over it (as almost every app's do) is freed.
      case 'listener-closure-is-freed':
        return freedAfter(Ctor, async (register) => {
          const ws = new Ctor(url('/echo'), [], plain);
          ws.onmessage = () => ws.send('again');
          ws.addEventListener('open', () => ws.send('hello'));
          await once(ws, 'message');
          ws.onmessage = null;
          ws.close();
          await once(ws, 'close');
          register(ws);
        });
      default:
        throw new Error(`unknown case ${which}`);
    }
  } finally {
    window.removeEventListener('error', onErr);
    window.removeEventListener('unhandledrejection', onErr);
    if (errors.length) throw new Error(`uncaught in page: ${errors.join(' | ')}`);
  }
}

// ---- Rust API vs JS class: one program, the same typed trace (tests/web.rs) ----

/** The trace format shared with the Rust side (`rust_trace_of` in tests/web.rs). */
function traceEntry(e) {
  switch (e.type) {
    case 'message': {
      const d = e.data;
      if (typeof d === 'string') return `message:t:${d}`;
      if (d instanceof ArrayBuffer) return `message:b:${[...new Uint8Array(d)].join(',')}`;
      return `message:other:${Object.prototype.toString.call(d)}`;
    }
    case 'close': return `close:${e.code}:${e.reason}:${e.wasClean}`;
    case 'statechange': return `statechange:${e.from}:${e.to}`;
    case 'reconnecting': return `reconnecting:${e.attempt}:${e.delay}`;
    case 'reconnect': return `reconnect:${e.attempt}`;
    case 'reconnect-failed': return `reconnect-failed:${e.attempts}`;
    case 'pong': return `pong:${e.rtt}`;
    case 'queue-overflow': return `queue-overflow:${typeof e.data === 'string' ? e.data : 'binary'}`;
    default: return e.type;
  }
}

const TRACED = ['open', 'message', 'error', 'close', 'statechange', 'reconnecting', 'reconnect', 'heartbeat-timeout', 'pong', 'reconnect-failed', 'queue-overflow'];

/** Records every event of `ws` as trace entries, in order, into the returned array. */
export function traceOf(ws) {
  const log = [];
  for (const ty of TRACED) ws.addEventListener(ty, (e) => log.push(traceEntry(e)));
  return log;
}

/** A new client of the JS class with the differential's options. */
export function newTraced(Ctor, url) {
  const ws = new Ctor(url, [], { pingInterval: 0, reconnectDelay: 100 });
  ws.binaryType = 'arraybuffer';
  return ws;
}

/** The registry's client for `url` (created by JS with the differential's options). */
export function instanceTraced(Ctor, url) {
  const ws = Ctor.getInstance({ url, pingInterval: 0, reconnectDelay: 100 });
  ws.binaryType = 'arraybuffer';
  return ws;
}

/** Applies one program step to a JS client (see `apply_rust` in tests/web.rs). */
export function applyJs(ws, kind, n) {
  try {
    switch (kind) {
      case 0: ws.send(`m${n}`); break;
      case 1: ws.send(new Uint8Array([n % 256, (n + 1) % 256, (n + 2) % 256])); break;
      case 2: ws.close(3000 + n, `r${n}`); break;
      case 3: ws.reconnect(); break;
      default: break;
    }
    return 'ok';
  } catch (e) {
    return e.name;
  }
}

/** The attributes the trace records after each step. */
export function attrsOf(ws) {
  return `state:${ws.state}:${ws.readyState}:${ws.bufferedAmount}`;
}

// ---- websocketClass (seed 001) vs the class: the seed's calls mapped onto the class ----

/** A seeded program: [kind, n] steps — 0 send, 1 close, 2 reconnect, 3 createWebSocket
 *  (the seed's; on the class: reconnect()), 4 the server drops every connection. */
function seedProgram(seed) {
  let x = seed * 2654435761 % 4294967296 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const len = 4 + (next() % 6);
  return Array.from({ length: len }, (_, i) => [next() % 5, i * 7 + (next() % 7)]);
}

/** Runs one program on a target ({ send, close, reconnect, create, attrs, log }), settling
 *  each step on what the client shows; returns the step results, attributes and events. */
async function runSeedProgram(steps, t, http) {
  const until = async (f, ms = 4000) => { const t0 = performance.now(); while (!f() && performance.now() - t0 < ms) await sleep(10); };
  const count = (p) => t.log.filter((e) => e.startsWith(p)).length;
  const out = [];
  await until(() => t.attrs().startsWith('state:open'));
  for (const [kind, n] of steps) {
    const open = t.attrs().startsWith('state:open');
    const opens = count('open');
    let result = 'ok';
    try {
      if (kind === 0) t.send(`s${n}`);
      else if (kind === 1) t.close();
      else if (kind === 2) t.reconnect();
      else if (kind === 3) t.create();
      else if (open) await control(http, '/control/drop-all');
    } catch (e) {
      result = e.name;
    }
    if (kind === 0 && open) await until(() => t.log.includes(`message:s${n}`));
    if (kind === 1 && open) await until(() => t.attrs().startsWith('state:closed'));
    if (kind === 2 || kind === 3) await until(() => count('open') > opens && t.attrs().startsWith('state:open'));
    if (kind === 4 && open) await until(() => count('open') > opens && t.attrs().startsWith('state:open'));
    out.push(`step:${kind}:${n}:${result}`, t.attrs());
  }
  return out.concat(t.log);
}

export async function seedDifferential(WsClass, Ctor, base, http, tag, seed) {
  const steps = seedProgram(seed);
  const options = { pingInterval: 0, reconnectDelay: 100 };
  // The seed's calling code.
  WsClass.configure({ url: `${base}/echo?tag=${tag}-seed`, ...options });
  const seedLog = [];
  const thatVue = {};
  const s = new WsClass(thatVue);
  s.onopenSuccess(() => seedLog.push('open'));
  s.getWebSocketMsg((ev) => seedLog.push(`message:${ev.data}`));
  const seedTrace = await runSeedProgram(steps, {
    send: (d) => s.websocketSendMsg(d),
    close: () => s.closeSocket(),
    reconnect: () => s.reconnect(),
    create: () => s.createWebSocket(),
    attrs: () => `state:${s.ws.state}:${s.ws.readyState}:${s.userClose}:${s.lockReconnect}`,
    log: seedLog,
  }, http);
  s.closeSocket();
  // The class, with the same options.
  const ws = new Ctor(`${base}/echo?tag=${tag}-class`, [], options);
  const classLog = [];
  ws.addEventListener('open', () => classLog.push('open'));
  ws.addEventListener('message', (e) => classLog.push(`message:${e.data}`));
  const classTrace = await runSeedProgram(steps, {
    send: (d) => ws.send(d),
    close: () => ws.close(),
    reconnect: () => ws.reconnect(),
    create: () => ws.reconnect(),
    attrs: () => `state:${ws.state}:${ws.readyState}:${ws.userClose}:${ws.lockReconnect}`,
    log: classLog,
  }, http);
  ws.close();
  return { steps, seedTrace, classTrace };
}

// ---- Issue 27: zombies. Code that replaces its socket after `close` (graphql-ws,
// socket.io-client, stompjs, seed 001's own class): it never calls close() on the old one.
// Run on the native socket and on ours (default options but a reconnectDelay that keeps
// the run short, still longer than the code's own 200 ms retry). Every socket the server
// accepts is dropped after 500 ms. What the code saw (events reaching the handlers of a
// socket it had replaced: `stale`) and what the server saw (most connections of this code
// open at once, and what is left after the code closes its current socket).
export async function replacedOnClose(Ctor, base, http, tag, options) {
  const url = `${base}/drop?after_ms=500&tag=${encodeURIComponent(tag)}`;
  let current = null;
  let made = 0;
  let opens = 0;
  let stale = 0;
  let stopped = false;
  const warned = [];
  const warn = console.warn;
  console.warn = (...a) => warned.push(a.join(' '));
  try {
    const make = () => {
      const ws = options === undefined ? new Ctor(url) : new Ctor(url, [], options);
      made++;
      current = ws;
      ws.onopen = () => { if (ws !== current) stale++; else opens++; };
      ws.onmessage = () => { if (ws !== current) stale++; };
      ws.onerror = () => { if (ws !== current) stale++; };
      ws.onclose = () => {
        if (ws !== current) { stale++; return; }
        if (!stopped) setTimeout(make, 200);
      };
    };
    make();
    await sleep(3500);
    stopped = true;
    current.close();
    await sleep(1500);
  } finally {
    console.warn = warn;
  }
  const s = await stats(http, tag);
  return { made, opens, stale, maxOpen: s.max_open, openAfter: s.open, accepted: s.accepted, warned: warned.length };
}

// Two clients an app runs on purpose to one URL: A's link dies (the server's drop-all) and
// waits to reconnect; meanwhile the app makes B. `keep` is how A's owner still holds it:
// 'poll' reads A.readyState (a status display), 'listen' has a 'reconnecting' listener,
// 'none' only its onmessage (the case no code can tell from a replaced socket).
export async function twoOnPurpose(Ctor, base, http, tag, keep) {
  const url = `${base}/echo?tag=${encodeURIComponent(tag)}`;
  const warned = [];
  const warn = console.warn;
  console.warn = (...a) => warned.push(a.join(' '));
  let timer;
  try {
    // The server's drop-all is silent (no close frame, no FIN): A's heartbeat finds it.
    const a = new Ctor(url, [], { reconnectDelay: 600, pingInterval: 300, pongTimeout: 300 });
    const got = [];
    a.onmessage = (e) => { if (e.data !== '{"request":"ping"}') got.push(e.data); };
    if (keep === 'listen') a.addEventListener('reconnecting', () => {});
    await once(a, 'open');
    if (keep === 'poll') timer = setInterval(() => a.readyState, 100);
    const closed = once(a, 'close');
    await control(http, '/control/drop-all');
    await closed;
    await sleep(100);
    const b = new Ctor(url, [], { pingInterval: 0 });
    await once(b, 'open');
    await sleep(1500);
    const aState = a.readyState;
    if (aState === 1) a.send('a-after');
    await sleep(200);
    const s = await stats(http, tag);
    a.close();
    b.close();
    return { aState, aGot: got, open: s.open, warned: warned.length };
  } finally {
    clearInterval(timer);
    console.warn = warn;
  }
}

// Issue 27: heartbeats in a protocol's terms. Passive (`pingMessage: null`, the socket.io
// pattern, where the server pings): nothing is sent; with nothing arriving the link is
// dropped (4000) after about pingInterval + pongTimeout; traffic keeps it. Binary ping and
// pong (a binary protocol's ping frame): the pong is recognised by its bytes and hidden;
// other bytes are no pong.
export async function protocolHeartbeats(Ctor, base) {
  const out = {};
  {
    const a = new Ctor(`${base}/echo`, [], { pingMessage: null, pingInterval: 300, pongTimeout: 300, reconnect: false });
    const got = [];
    a.onmessage = (e) => got.push(e.data);
    await once(a, 'open');
    const t0 = performance.now();
    const ce = await once(a, 'close', 5000);
    out.passiveSilent = { code: ce.code, ms: Math.round(performance.now() - t0), got };
  }
  {
    const b = new Ctor(`${base}/echo`, [], { pingMessage: null, pingInterval: 300, pongTimeout: 300, reconnect: false });
    const got = [];
    let closed = null;
    b.onmessage = (e) => got.push(e.data);
    b.onclose = (e) => { closed = e.code; };
    await once(b, 'open');
    for (let i = 0; i < 8; i++) { b.send(`app${i}`); await sleep(200); }
    out.passiveBusy = { closed, state: b.state, got };
    b.close();
  }
  const binary = async (pong) => {
    const c = new Ctor(`${base}/echo`, [], {
      pingMessage: new Uint8Array([0x89, 1]), pongMessage: pong, hidePongs: true,
      pingInterval: 200, pongTimeout: 400, reconnect: false, binaryType: 'arraybuffer',
    });
    const got = [];
    let closed = null;
    c.onmessage = (e) => got.push(typeof e.data === 'string' ? e.data : 'binary');
    c.onclose = (e) => { closed = e.code; };
    await once(c, 'open');
    await sleep(1200);
    const r = { closed, got, pongSeen: c.timing().lastPongAt !== null };
    c.close();
    return r;
  };
  // A library that pings by itself gets its own pongs: only the one answering our ping is
  // hidden (hidePongs hid every match before).
  {
    const d = new Ctor(`${base}/echo`, [], { pingMessage: 'P', pongMessage: 'P', hidePongs: true, pingInterval: 60000, reconnect: false });
    const got = [];
    d.onmessage = (e) => got.push(e.data);
    await once(d, 'open');
    for (let i = 0; i < 3; i++) d.send('P');
    await sleep(300);
    out.ownPongs = { got, pongSeen: d.timing().lastPongAt !== null };
    d.close();
  }
  // Passive: no ping is ours, so no pong is hidden (outside review: the first pong after
  // pingInterval of silence was taken for ours and hidden).
  {
    const f = new Ctor(`${base}/echo`, [], { pingMessage: null, pongMessage: 'P', hidePongs: true, pingInterval: 300, pongTimeout: 2000, reconnect: false });
    const got = [];
    f.onmessage = (e) => got.push(e.data);
    await once(f, 'open');
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      f.send('P');
    }
    await sleep(200);
    out.passiveOwnPongs = { got };
    f.close();
  }
  // The round-trip time: a `pong` event per answered ping, and `rtt` the last one.
  {
    const e = new Ctor(`${base}/echo`, [], { pingInterval: 200, pongTimeout: 1000, reconnect: false });
    const rtts = [];
    e.addEventListener('pong', (ev) => rtts.push(ev.rtt));
    await once(e, 'open');
    const before = e.rtt;
    await sleep(900);
    out.roundTrip = { before, rtts, rtt: e.rtt };
    e.close();
  }
  out.binaryPong = await binary(new Uint8Array([0x89, 1]).buffer);
  out.otherBytes = await binary(new Uint8Array([0x8a, 1]));
  return out;
}
