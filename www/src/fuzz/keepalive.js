// Keep-alive suite: random sequences of server kills, outages, reconnect()/close() (also
// from inside every callback and from inside the url function), sends in every state,
// getInstance/disposeInstance, on ResilientWebSocket with short timers. Invariants checked
// after every program:
//   - no uncaught error or unhandled rejection in the page (a wasm trap shows as
//     `RuntimeError: unreachable`), and no method throws anything but the documented errors;
//   - a client never has two sockets at once: no new native socket while another of the
//     same client is connecting or open; the server never saw two open connections for
//     one client (`max_open` <= 1 per tag) and none is left open at the end (not checked
//     for clients that met a /silent peer: a socket closed on a peer that never answers
//     the closing handshake stays CLOSING in the browser, and open on the server, for a
//     while, whatever the client does);
//   - every send is accounted for: written once to a native socket and echoed once (or
//     lost in flight on a socket that then died), or reported (a thrown error, a
//     `queue-overflow` event, in the array clearQueue() returns), or discarded because it
//     came after the user's close();
//     never written twice, never echoed twice, never both dropped and sent; echoes of
//     sends made by the program's steps arrive in order;
//   - after closing everything, dropping every reference and gc(), `liveClients` is back
//     to its value before the program.
import fc from 'fast-check';
import { errName, observeNativeSockets, onUncaught, runProperty, sleep, toJsonable } from './common.js';

const CALLBACKS = ['open', 'message', 'error', 'close', 'reconnecting', 'reconnect', 'heartbeat-timeout', 'statechange', 'queue-overflow', 'reconnect-failed'];
const ACTS = ['reconnect', 'close', 'closeClear', 'open', 'send', 'sendNoQueue', 'throw', 'dispose', 'none'];
const PING = '{"request":"ping"}';

const optsArb = fc.record({
  pingInterval: fc.constantFrom(200, 200, 0),
  pongTimeout: fc.constant(100),
  reconnectDelay: fc.integer({ min: 50, max: 200 }),
  backoffFactor: fc.constantFrom(1, 1, 1.5),
  maxQueued: fc.constantFrom(1000, 1000, 3, 0),
  overflow: fc.constantFrom('drop-oldest', 'drop-newest', 'error'),
  closeTimeout: fc.constantFrom(300, 1000),
});

const armArb = fc.record({
  cb: fc.constantFrom(...CALLBACKS),
  via: fc.constantFrom('on', 'listener'),
  act: fc.constantFrom(...ACTS),
  times: fc.integer({ min: 1, max: 2 }),
});

const stepArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send'), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'sendNoQueue' }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('sleep'), ms: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'dropAll' }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('down'), ms: fc.integer({ min: 100, max: 700 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'reconnect' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'open' }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('close'), code: fc.constantFrom(undefined, 1000, 4000), clear: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ op: 'waitOpen' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'getInstance' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'disposeInstance' }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clearQueue' }) },
);

export const kaProgramArb = fc.record({
  opts: optsArb,
  url: fc.constantFrom('string', 'string', 'fn', 'asyncFn'),
  route: fc.constantFrom('echo', 'echo', 'echo', 'echo', 'silentFirst', 'silent'),
  urlAct: fc.constantFrom('none', 'none', 'none', 'reconnect', 'close', 'throw'),
  create: fc.constantFrom('new', 'getInstance'),
  // How callbacks reach the client: through the variable holding it (what apps write: the
  // listener keeps the client alive, as natively) or through an object the harness
  // empties at the end.
  capture: fc.boolean(),
  arms: fc.array(armArb, { maxLength: 4 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 10 }),
});

const ACT_CODE = {
  reconnect: 'ws.reconnect()',
  close: 'ws.close()',
  closeClear: "ws.close(1000, '', { clearQueue: true })",
  open: 'ws.open()',
  send: 'ws.send(next())',
  sendNoQueue: 'ws.send(next(), { queue: false })',
  throw: "throw new Error('fuzz-deliberate')",
  dispose: 'ResilientWebSocket.disposeInstance(key)',
  none: '',
};

export function renderKaProgram(p) {
  const lines = [];
  const inner = p.urlAct === 'none' || p.url === 'string' ? '' : `/* on its 2nd call: ${p.urlAct === 'throw' ? 'throw' : `ws.${p.urlAct}()`} */ `;
  const urlCode = p.url === 'string' ? 'url' : p.url === 'fn' ? `() => { ${inner}return url; }` : `async () => { ${inner}await sleep(20); return url; }`;
  const route = { echo: '/echo', silent: '/silent (never answers: heartbeat timeouts)', silentFirst: p.url === 'string' ? '/echo' : '/silent on the 1st attempt, /echo after' }[p.route];
  lines.push(`// url = ${route}?tag=<tag>`);
  const o = JSON.stringify(p.opts).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ');
  if (p.create === 'new') lines.push(`const ws = new ResilientWebSocket(${urlCode}, undefined, ${o});`);
  else lines.push(`const ws = ResilientWebSocket.getInstance({ url: ${urlCode}, key, ...${o} });`);
  lines.push("// (the harness adds listeners too: 'message' and 'queue-overflow' to account for sends, 'statechange', 'close', 'error', … to log)");
  if (!p.capture) lines.push('// (callbacks reach ws through an object emptied at the end, not by closing over it)');
  for (const a of p.arms) {
    const body = ACT_CODE[a.act];
    const fn = `() => { ${body ? `/* first ${a.times} call(s): */ ${body}; ` : ''}}`;
    if (a.via === 'on' && ['open', 'message', 'error', 'close'].includes(a.cb)) lines.push(`ws.on${a.cb} = ${fn};`);
    else lines.push(`ws.addEventListener('${a.cb}', ${fn});`);
  }
  for (const s of p.steps) {
    switch (s.op) {
      case 'send': lines.push(s.n === 1 ? 'ws.send(next());' : `for (let i = 0; i < ${s.n}; i++) ws.send(next());`); break;
      case 'sendNoQueue': lines.push('ws.send(next(), { queue: false });'); break;
      case 'sleep': lines.push(`await sleep(${s.ms});`); break;
      case 'dropAll': lines.push("await fetch('/control/drop-all');  // the server drops every connection"); break;
      case 'down': lines.push(`await fetch('/control/down?ms=${s.ms}');  // drops all and refuses connections for ${s.ms} ms`); break;
      case 'reconnect': lines.push('ws.reconnect();'); break;
      case 'open': lines.push('ws.open();'); break;
      case 'close':
        if (s.clear) lines.push(`ws.close(${s.code ?? 'undefined'}, ${s.code === undefined ? 'undefined' : "''"}, { clearQueue: true });`);
        else lines.push(`ws.close(${s.code ?? ''});`);
        break;
      case 'waitOpen': lines.push("await until(() => ws.state === 'open', 2000);"); break;
      case 'getInstance': lines.push(p.create === 'getInstance' ? 'ResilientWebSocket.getInstance({ url, key, ... });  // the same client (or a new one after a dispose)' : '// (getInstance: skipped, the client was made with new)'); break;
      case 'disposeInstance': lines.push(p.create === 'getInstance' ? 'ResilientWebSocket.disposeInstance(key);' : '// (disposeInstance: skipped)'); break;
      case 'clearQueue': lines.push('ws.clearQueue();'); break;
      default: lines.push(`?${s.op}`);
    }
  }
  lines.push('// then: wait for open, send a marker and await its echo, close everything, gc(), check');
  return lines.join('\n');
}

/** GET `url` (JSON), retrying while the server is down (an outage step). */
async function control(url) {
  const t0 = performance.now();
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return await r.json();
      throw new Error(`HTTP ${r.status}`);
    } catch (e) {
      if (performance.now() - t0 > 5000) throw new Error(`${url}: ${e && e.message}`);
      await sleep(50);
    }
  }
}

const stats = (http, tag) => control(`${http}/control/stats?tag=${encodeURIComponent(tag)}`);

async function until(fn, ms, every = 10) {
  const t0 = performance.now();
  for (;;) {
    if (fn()) return true;
    if (performance.now() - t0 > ms) return false;
    await sleep(every);
  }
}

/** gc() until `liveClients` <= target or `ms` passed; returns `liveClients`. */
async function collect(RWS, target, ms) {
  const t0 = performance.now();
  for (;;) {
    if (typeof gc === 'function') gc();
    await sleep(30);
    if (RWS.liveClients <= target) return RWS.liveClients;
    if (performance.now() - t0 > ms) return RWS.liveClients;
  }
}

/** Runs one program; returns `{ violations, log, counts }` (no violation: passed). */
async function runProgram(p, env) {
  const { RWS, base, http } = env;
  const prog = ++env.programs;
  const prefix = `ka${env.seed}-${prog}-`;
  const key = `fuzz-key-${env.seed}-${prog}`;
  const violations = [];
  // Each violation has a kind (for telling distinct bugs apart) and a message.
  const violate = (kind, msg) => violations.push({ kind, msg });
  const log = [];
  let t0p = performance.now();
  const note = (s) => { if (log.length < 300) log.push(`${Math.round(performance.now() - t0p)} ms: ${s}`); };
  const uncaught = [];
  onUncaught((u) => {
    if (u.message.includes('fuzz-deliberate')) return;
    uncaught.push(u);
  });

  // Native sockets of this program, and what ours wrote to them.
  const natives = [];
  observeNativeSockets((rec) => {
    if (!rec.url.includes(`tag=${prefix}`)) return;
    rec.writes = [];
    rec.silent = rec.url.includes('/silent?');
    // The client side of max_open: a new socket while another of the same client is still
    // connecting or open. (One that is CLOSING may linger: a silent peer never answers the
    // closing handshake, and the browser cannot abort the TCP connection.)
    const tag = rec.url.slice(rec.url.indexOf('tag='));
    const others = natives.filter((r) => r.url.endsWith(tag) && r.ws.readyState <= 1);
    if (others.length) {
      violate('two sockets at once', `native socket #${rec.seq} created while #${others.map((r) => `${r.seq} (readyState ${r.ws.readyState})`).join(', #')} of the same client was not closing`);
    }
    natives.push(rec);
    const ws = rec.ws;
    const send = ws.send;
    ws.send = function (data) {
      const ours = typeof data === 'string' && data.startsWith(prefix);
      if (ours) rec.writes.push({ id: data, rs: this.readyState });
      try {
        return send.apply(this, arguments);
      } catch (e) {
        if (ours) rec.writes[rec.writes.length - 1].threw = errName(e);
        throw e;
      }
    };
    ws.addEventListener('close', (e) => note(`native #${rec.seq} closed ${e.code}`));
  });

  // Messages.
  let counter = 0;
  const msgs = new Map(); // id -> { id, origin, gen, state, userClose, outcome }
  const echoes = new Map();
  const echoOrder = [];
  const overflow = new Map();
  const unknownEcho = [];

  // Generations: one client each (a new one after disposeInstance + getInstance). The
  // harness's listeners reach the client through `holder`, cleared at the end (the
  // program's callbacks too, unless `p.capture`).
  const gens = [];
  const holder = { ws: null, gen: null };
  // Set before the harness closes everything: callbacks then stop acting (a close listener
  // that reopens would, rightly, reopen).
  let ending = false;
  // The documented errors of send: InvalidStateError while not open without a queue
  // (maxQueued 0, or { queue: false }), RangeError for a full queue with overflow 'error'.
  const allowedSendError = (name, state, noQueue) =>
    state !== 'open' && ((name === 'InvalidStateError' && (noQueue || p.opts.maxQueued === 0)) || (name === 'RangeError' && p.opts.overflow === 'error' && !noQueue));
  const doSend = (origin, opts) => {
    const g = holder.gen;
    const ws = holder.ws;
    if (!ws) return;
    const id = `${prefix}${++counter}`;
    const m = { id, origin, gen: g.n, state: ws.state, userClose: ws.userClose };
    msgs.set(id, m);
    try {
      if (opts) ws.send(id, opts);
      else ws.send(id);
      m.outcome = 'returned';
    } catch (e) {
      m.outcome = errName(e);
      if (!allowedSendError(m.outcome, m.state, !!opts)) violate(`send threw ${m.outcome}`, `send in state ${m.state} threw ${m.outcome}: ${e && e.message}`);
    }
  };
  const call = (what, f) => {
    try {
      f();
    } catch (e) {
      violate(`${what.replace(/ in .*/, '')} threw ${errName(e)}`, `${what} threw ${errName(e)}: ${e && e.message}`);
    }
  };
  const act = (a, where, captured) => {
    const ws = captured ?? holder.ws;
    if (!ws || ending) return;
    note(`${where}: ${a}`);
    switch (a) {
      case 'reconnect': call(`reconnect() in ${where}`, () => ws.reconnect()); break;
      case 'open': call(`open() in ${where}`, () => ws.open()); break;
      case 'close': call(`close() in ${where}`, () => ws.close()); break;
      case 'closeClear': call(`close(clearQueue) in ${where}`, () => ws.close(1000, '', { clearQueue: true })); break;
      case 'send': doSend(where); break;
      case 'sendNoQueue': doSend(where, { queue: false }); break;
      case 'dispose':
        if (p.create === 'getInstance') {
          call(`disposeInstance in ${where}`, () => RWS.disposeInstance(key));
          if (holder.gen) holder.gen.disposed = true;
        }
        break;
      case 'throw': throw new Error(`fuzz-deliberate ${where}`);
      default: break;
    }
  };

  // The URL (string or function) of generation n.
  const urlSpec = (n) => {
    const tag = `${prefix}g${n}`;
    const urlFor = (attempt) => {
      const route = p.route === 'silent' || (p.route === 'silentFirst' && attempt === 1 && p.url !== 'string') ? 'silent' : 'echo';
      return `${base}/${route}?tag=${tag}`;
    };
    let attempts = 0;
    const inUrl = () => {
      attempts++;
      if (attempts === 2 && p.urlAct !== 'none' && !ending) {
        if (p.urlAct === 'throw') throw new Error('fuzz-deliberate url');
        act(p.urlAct, 'url()');
      }
      return urlFor(attempts);
    };
    const url = p.url === 'string' ? urlFor(1) : p.url === 'fn' ? () => inUrl() : async () => { await sleep(20); return inUrl(); };
    return { tag, url };
  };

  const makeClient = (n, spec = urlSpec(n), existing = null) => {
    const { tag, url } = spec;
    let ws = existing;
    if (!ws) {
      try {
        ws = p.create === 'new' ? new RWS(url, undefined, { ...p.opts }) : RWS.getInstance({ url, key, ...p.opts });
      } catch (e) {
        violate('creating the client threw', `creating the client threw ${errName(e)}: ${e && e.message}`);
        return null;
      }
    }
    const g = { n, tag, ws, disposed: false };
    gens.push(g);
    holder.ws = ws;
    holder.gen = g;
    ws.addEventListener('message', (e) => {
      const d = e.data;
      if (typeof d !== 'string' || d === PING) return;
      if (!d.startsWith(prefix)) { unknownEcho.push(String(d).slice(0, 40)); return; }
      echoes.set(d, (echoes.get(d) || 0) + 1);
      echoOrder.push(d);
    });
    ws.addEventListener('queue-overflow', (e) => {
      overflow.set(e.data, (overflow.get(e.data) || 0) + 1);
    });
    ws.addEventListener('statechange', (e) => note(`g${n} state ${e.from} -> ${e.to}`));
    for (const ty of ['close', 'error', 'heartbeat-timeout', 'reconnect-failed']) {
      ws.addEventListener(ty, (e) => note(`g${n} event ${ty}${e && e.code !== undefined ? ` ${e.code}` : ''}`));
    }
    for (const a of p.arms) {
      let calls = 0;
      const where = `${a.via === 'on' ? 'on' : 'listener '}${a.cb}`;
      const f = p.capture
        ? () => {
          calls++;
          if (calls <= a.times && holder.gen === g) act(a.act, where, ws);
        }
        : () => {
          calls++;
          if (calls <= a.times && holder.gen === g) act(a.act, where);
        };
      if (a.via === 'on' && ['open', 'message', 'error', 'close'].includes(a.cb)) ws[`on${a.cb}`] = f;
      else ws.addEventListener(a.cb, f);
    }
    return g;
  };

  // Baseline of live clients (earlier programs' clients collected).
  const liveBefore = await collect(RWS, 0, 300);
  t0p = performance.now();
  let gen = 0;
  if (!makeClient(++gen)) return { violations, log };

  for (const s of p.steps) {
    const ws = holder.ws;
    note(`step ${JSON.stringify(s)} (state ${ws.state})`);
    switch (s.op) {
      case 'send': for (let i = 0; i < s.n; i++) doSend('step'); break;
      case 'sendNoQueue': doSend('step', { queue: false }); break;
      case 'sleep': await sleep(s.ms); break;
      case 'dropAll': await control(`${http}/control/drop-all`); break;
      case 'down': await control(`${http}/control/down?ms=${s.ms}`); break;
      case 'reconnect': call('reconnect()', () => ws.reconnect()); break;
      case 'open': call('open()', () => ws.open()); break;
      case 'close':
        // (close(undefined, '') throws InvalidAccessError, as Chromium's native close does)
        call('close()', () => (s.clear ? ws.close(s.code, s.code === undefined ? undefined : '', { clearQueue: true }) : s.code === undefined ? ws.close() : ws.close(s.code)));
        break;
      case 'waitOpen': await until(() => holder.ws.state === 'open', 2000); break;
      case 'clearQueue':
        // clearQueue() returns what it dropped: that is how the caller learns of the loss.
        call('clearQueue()', () => {
          const dropped = ws.clearQueue();
          if (!Array.isArray(dropped)) violate('clearQueue() result', `clearQueue() returned ${typeof dropped}, not an array`);
          else for (const d of dropped) overflow.set(d, (overflow.get(d) || 0) + 1);
        });
        break;
      case 'getInstance': {
        if (p.create !== 'getInstance') break;
        const spec = urlSpec(gen + 1);
        let got = null;
        try {
          got = RWS.getInstance({ url: spec.url, key, ...p.opts });
        } catch (e) {
          violate('getInstance threw', `getInstance threw ${errName(e)}: ${e && e.message}`);
        }
        const current = gens[gens.length - 1];
        if (got && got !== current.ws) {
          if (!current.disposed) violate('getInstance identity', 'getInstance(key) returned a different client while the first was not disposed');
          makeClient(++gen, spec, got);
        } else if (got && current.disposed) {
          violate('getInstance identity', 'getInstance(key) returned the disposed client');
        }
        // A suspended async function may keep a block's locals alive in its registers:
        // drop the reference, or the memory check below would see the harness's own.
        got = null;
        break;
      }
      case 'disposeInstance':
        if (p.create !== 'getInstance') break;
        call('disposeInstance()', () => RWS.disposeInstance(key));
        gens[gens.length - 1].disposed = true;
        break;
      default: throw new Error(`step ${s.op}`);
    }
  }

  // Drain: if the last client is (to be) open, a marker must come back through it.
  const last = gens[gens.length - 1];
  let drainedOn = null;
  if (!last.disposed) {
    const ws = last.ws;
    await until(() => ws.state === 'open' || ws.state === 'closed', 4000);
    if (ws.state === 'open') {
      const marker = `${prefix}end`;
      const socketsBefore = natives.length;
      try { ws.send(marker); } catch (e) { violate('the end marker send threw', `the end marker send threw ${errName(e)}`); }
      const got = await until(() => echoes.get(marker) >= 1, 1500);
      if (got && natives.length === socketsBefore) drainedOn = natives.find((r) => r.writes.some((w) => w.id === marker)) || null;
      note(`drain: marker ${got ? 'echoed' : 'not echoed'}`);
    } else {
      note(`drain: state ${ws.state}`);
    }
  }

  // Close everything.
  ending = true;
  for (const g of gens) {
    call('the final close()', () => g.ws.close(1000, 'end', { clearQueue: true }));
  }
  if (p.create === 'getInstance') call('the final disposeInstance()', () => RWS.disposeInstance(key));
  for (const g of gens) {
    if (!(await until(() => g.ws.state === 'closed' && g.ws.readyState === 3, 3000))) {
      violate('client not closed', `client g${g.n} not closed 3 s after close(): state ${g.ws.state}, readyState ${g.ws.readyState}`);
    }
  }
  // Every native socket closed (or closing, on a silent peer: see above).
  const settled = (r) => r.ws.readyState === 3 || (r.silent && r.ws.readyState === 2);
  if (!(await until(() => natives.every(settled), 3000))) {
    violate('native socket not closed', `native sockets not closed 3 s after close(): ${natives.filter((r) => !settled(r)).map((r) => `#${r.seq} readyState ${r.ws.readyState}`).join(', ')}`);
  }

  // The server's view (for clients that never met a silent peer, whose connections linger).
  for (const g of gens) {
    if (natives.some((r) => r.silent && r.url.endsWith(`tag=${g.tag}`))) continue;
    let s = await stats(http, g.tag);
    for (let i = 0; i < 40 && s.open > 0; i++) {
      await sleep(50);
      s = await stats(http, g.tag);
    }
    if (s.max_open > 1) violate('max_open > 1', `the server saw ${s.max_open} connections open at once for one client (g${g.n}: ${JSON.stringify(s)})`);
    if (s.open > 0) violate('server connection left open', `the server still has ${s.open} open connection(s) of closed client g${g.n}`);
  }

  // Every send accounted for.
  const writesOf = new Map();
  for (const r of natives) {
    for (const w of r.writes) {
      if (!writesOf.has(w.id)) writesOf.set(w.id, []);
      writesOf.get(w.id).push({ ...w, rec: r });
    }
  }
  const stepSent = [];
  for (const m of msgs.values()) {
    const writes = writesOf.get(m.id) || [];
    const e = echoes.get(m.id) || 0;
    const o = overflow.get(m.id) || 0;
    const what = `${m.id} (sent from ${m.origin} in state ${m.state}${m.userClose ? ', userClose' : ''}: ${m.outcome})`;
    for (const w of writes) if (w.threw) violate('native send threw', `${what}: the native send threw ${w.threw} (native readyState ${w.rs})`);
    if (writes.length > 1) violate('written twice', `${what}: written ${writes.length} times`);
    if (e > writes.length) violate('echoed more than written', `${what}: echoed ${e} times, written ${writes.length} times`);
    if (o > 1) violate('reported dropped twice', `${what}: reported dropped ${o} times`);
    if (m.outcome !== 'returned') {
      if (writes.length || o) violate('threw, yet sent or reported', `${what}: send threw, yet it was ${writes.length ? 'written' : 'reported dropped'}`);
      continue;
    }
    if (o && writes.length) violate('reported dropped and written', `${what}: reported dropped (queue-overflow) and written`);
    if (!o && !writes.length && !m.userClose) violate('lost silently', `${what}: neither written, nor reported, nor sent after close(): lost silently`);
    if (writes.length === 1 && drainedOn && writes[0].rec === drainedOn && writes[0].rs === 1 && e !== 1) {
      violate('not echoed on a live socket', `${what}: written to the socket that stayed open (the end marker came back through it) but echoed ${e} times`);
    }
    if (m.origin === 'step') stepSent.push(m.id);
  }
  const echoedStep = echoOrder.filter((id) => msgs.has(id) && msgs.get(id).origin === 'step');
  const expectedOrder = stepSent.filter((id) => echoedStep.includes(id));
  if (JSON.stringify(echoedStep) !== JSON.stringify(expectedOrder)) {
    violate('echoes out of order', `echoes out of order: sent ${expectedOrder.join(',')}; echoed ${echoedStep.join(',')}`);
  }
  if (unknownEcho.length) violate('phantom echo', `echoes of messages never sent: ${unknownEcho.join(', ')}`);
  for (const u of uncaught) violate(`uncaught ${u.name}`, `uncaught ${u.kind}: ${u.name}: ${u.message}`);

  // Memory: drop every reference, collect.
  const counts = { sends: msgs.size, echoed: echoOrder.length, dropped: [...overflow.values()].reduce((a, b) => a + b, 0), sockets: natives.length };
  holder.ws = null;
  holder.gen = null;
  for (const g of gens) g.ws = null;
  gens.length = 0;
  natives.length = 0;
  observeNativeSockets(null);
  onUncaught(null);
  const liveAfter = await collect(RWS, liveBefore, 800);
  // Only where the page can force a collection (Chromium with --expose-gc): elsewhere a
  // closed client is freed whenever the engine's GC runs, which a test cannot wait for.
  if (typeof gc === 'function' && liveAfter > liveBefore) violate('liveClients leak', `liveClients is ${liveAfter} after closing everything and gc(), ${liveBefore} before the program`);
  return { violations, log, counts };
}

/**
 * Runs the keep-alive suite. A failing program is shrunk and reported; then the search goes
 * on for other kinds of violation (a program whose violations are all of kinds already
 * reported passes), up to the budget.
 */
export async function runKeepAlive(opts) {
  const { RWS } = opts;
  const seed = (opts.seed ?? Date.now()) | 0;
  const numRuns = opts.numRuns ?? 20;
  const timeBudgetMs = opts.timeBudgetMs ?? 45000;
  const shrinkBudgetMs = opts.shrinkBudgetMs ?? 10000;
  const maxFindings = opts.maxFindings ?? 6;
  const env = { RWS, base: opts.base, http: opts.http, seed: seed >>> 0, programs: 0 };
  const t0 = performance.now();
  const totals = { sends: 0, echoed: 0, dropped: 0, sockets: 0 };
  const known = new Set();
  const findings = [];
  const abort = {}; // a wasm trap poisons the module: the run stops there
  const report = { ok: true, seed, numRuns: 0, generated: 0, totals };
  let left = numRuns;
  for (let iteration = 0; left > 0 && performance.now() - t0 < timeBudgetMs && findings.length < maxFindings; iteration++) {
    const r = await runProperty({
      arb: kaProgramArb,
      seed: (seed + iteration * 7919) | 0,
      numRuns: left,
      timeBudgetMs: timeBudgetMs - (performance.now() - t0),
      shrinkBudgetMs: Math.max(3000, Math.min(shrinkBudgetMs, timeBudgetMs - (performance.now() - t0))),
      check: async (p) => {
        const res = await runProgram(p, env);
        if (res.counts) for (const k of Object.keys(totals)) totals[k] += res.counts[k];
        const trap = res.violations.find((v) => v.kind.includes('RuntimeError'));
        if (trap) abort.reason = trap.msg;
        const fresh = res.violations.filter((v) => !known.has(v.kind));
        return fresh.length ? { ...res, fresh } : null;
      },
      abort,
    });
    report.generated += r.executed;
    left -= r.executed;
    if (r.harnessError) {
      report.error = r.harnessError;
      break;
    }
    if (!r.failed) break;
    const f = r.last.failure;
    if (f.harnessError) {
      report.error = f.harnessError;
      break;
    }
    const kinds = [...new Set(f.fresh.map((v) => v.kind))];
    findings.push({
      kinds,
      violations: f.fresh.map((v) => v.msg),
      alsoKnown: f.violations.filter((v) => known.has(v.kind)).map((v) => v.msg),
      shrunkProgram: renderKaProgram(r.last.value),
      programJson: toJsonable(r.last.value),
      log: f.log,
      shrinks: r.numShrinks,
      counterexample: renderKaProgram(r.first.value),
      seed: (seed + iteration * 7919) | 0,
    });
    for (const k of kinds) known.add(k);
    if (abort.reason) {
      report.error = `the wasm module trapped (${abort.reason}); the program is reported as generated (not shrunk) and the run stopped: the module is poisoned`;
      break;
    }
  }
  report.numRuns = env.programs;
  report.ms = Math.round(performance.now() - t0);
  if (findings.length) {
    report.ok = false;
    report.findings = findings;
    report.violations = findings[0].violations;
    report.shrunkProgram = findings[0].shrunkProgram;
    report.counterexample = findings[0].counterexample;
  }
  if (report.error) report.ok = false;
  return report;
}
