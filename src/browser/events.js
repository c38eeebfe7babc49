// Listeners and event dispatch for resilient-ws clients: the one place that knows who
// listens. Rust (src/browser) decides and performs I/O; it hands finished events to
// `deliver`/`deliverMessage` here, never holding a RefCell borrow while they run.
//
// Rust holds a small root object per client, never the state itself: `root.st` is the
// state while the client is alive (or has no JS object), and only a WeakRef once it is
// closed and owned by a JS object. Then the JS object alone keeps the state and its
// listeners (which often close over the client) alive, as a native socket's listeners are
// traced through the socket: a closed client is collected with everything it holds.
//
// Per client there is one plain state object:
//   lists   Map type -> [entry]; entry = { type, callback, capture, once, attr, removed,
//           signal, onAbort }; `attr` entries are the onX handlers (callback = current value)
//   me      the client's JS object, held strongly only while the client is alive (so an
//           open client with listeners is not collected, a closed one is), weak always
//   slow    true while Rust must see each message (pong awaited, pong matcher)
//   stack   events being dispatched (for currentTarget/eventPhase and re-dispatch checks)
// The DOM's dispatch algorithm at the target: snapshot, removed flag, once removed before
// the call, handleEvent looked up at call time, stopImmediatePropagation, exceptions
// reported and the next listener still called.

import { readConfig, readRest } from '../input.js';

const states = new WeakMap();
let warnedObject = false;

const NAME = 'ResilientWebSocket';
const failed = (op, msg) => new TypeError(`Failed to execute '${op}' on '${NAME}': ${msg}`);
const argc = (op, need, have) => {
  if (have < need) {
    throw failed(op, `${need} argument${need > 1 ? 's' : ''} required, but only ${have} present.`);
  }
};
const report = (err) => {
  if (typeof reportError === 'function') reportError(err);
  else console.error(err);
};

/** The state behind a root, or undefined once it was collected. */
const S = (root) => root.st ?? root.weak?.deref();

export function newState(json, routeBy) {
  const st = {
    lists: new Map(),
    attrs: Object.create(null),
    me: undefined,
    weak: null,
    alive: true,
    slow: true,
    stack: [],
    depth: 0,
    json: !!json,
    routeBy: routeBy || null,
    routes: new Map(),
    bound: false,
    root: null,
    // A shared client: the leader's relay of server messages to the other tabs (null
    // otherwise), and whether binary data (an ArrayBuffer from the shared socket) is
    // delivered as a Blob (binaryType 'blob').
    relay: null,
    mute: false,
    toBlob: false,
    // Zombies (see `orphaned`): whether its owner used a member or event of ours (never
    // a library's code, which knows only the native interface), whether its first socket
    // was made, and `made` when its last close event was delivered.
    ours: false,
    started: false,
    closedAt: 0,
  };
  const root = { st, weak: null };
  st.root = root;
  return root;
}

const meOf = (st) => st.me ?? st.weak?.deref() ?? null;

/** Alive: the client is connecting, open, closing or waiting to reconnect. */
export function setAlive(root, alive) {
  const st = S(root);
  if (st === undefined) return;
  st.alive = alive;
  st.me = alive ? st.weak?.deref() : undefined;
  if (alive) {
    root.st = st;
  } else if (st.bound) {
    root.weak = new WeakRef(st);
    root.st = undefined;
  }
}

/** Tells the state which JS object is the client (`this`, `event.target`). */
function bindObject(st, obj) {
  if (st.weak === null || st.weak.deref() !== obj) st.weak = new WeakRef(obj);
  if (st.alive) st.me = obj;
}

export function setSlow(root, slow) {
  const st = S(root);
  if (st !== undefined) st.slow = slow;
}

function stateOf(obj) {
  if (watching) owned(obj);
  return quietStateOf(obj);
}

/** `stateOf` for what does not count as using the client (see Zombies). */
function quietStateOf(obj) {
  let st = states.get(obj);
  if (st === undefined) {
    brand(obj);
    st = S(obj.__rwsState());
    states.set(obj, st);
    st.bound = true;
  }
  bindObject(st, obj);
  return st;
}

// Frames of the dispatches in progress, reused (no allocation per message): st.stack holds
// st.depth live frames.
function frameOf(st, e) {
  for (let i = st.depth - 1; i >= 0; i--) if (st.stack[i].e === e) return st.stack[i];
  return undefined;
}

// Retargeting: events are re-parented onto ONE prototype per event class, shared by every
// client, and carry their client's state in a symbol-keyed property. Every retargeted
// event of a class therefore has the same hidden class whichever client delivered it, so
// property reads in listeners and here stay monomorphic (a prototype per client made them
// megamorphic once a page had made a few clients, and cost ~1 µs per message).
const ST = Symbol('resilient-ws client');
const protos = new Map(); // the event's own prototype -> the shared retargeting prototype
const ours = new Set(); // the retargeting prototypes
let lastBase = null;
let lastProto = null;

// A retargeted event's hidden class lives only as long as an object has it. Between two
// messages no event is alive, so a full GC collected it, and V8 threw away every optimised
// function built for it: the dispatch here and the application's own listeners (measured
// with --trace-deopt: 40 times in 16 rounds of GC + 2 000 messages, see tests/e2e/run.mjs;
// 2 with this). One event of each platform class, retargeted the same way once, keeps those
// hidden classes alive. Only the platform's own classes are made (`new C(type)` runs no
// application code); an application's Event subclass gets none.
// The classes are read once, when this module loads.
const platformEvents = [globalThis.MessageEvent, globalThis.Event, globalThis.CloseEvent, globalThis.CustomEvent, globalThis.ErrorEvent].filter((C) => typeof C === 'function');
const keepers = [];
function keepShape(base, p) {
  for (const C of platformEvents) {
    if (C.prototype !== base) continue;
    try {
      const k = new C('rws');
      Object.setPrototypeOf(k, p);
      k[ST] = undefined;
      keepers.push(k);
    } catch {
      // a runtime whose constructor differs: no keeper, only the cost above
    }
    return;
  }
}

const cancelBubble = typeof Event === 'function' ? Object.getOwnPropertyDescriptor(Event.prototype, 'cancelBubble') : undefined;
/** The event's stop-propagation flag, read with the engine's own getter: through the
 *  accessor of our prototype, WebKit would forget the exception thrown last in the task,
 *  which it reports for a non-callable handleEvent (measured). */
const stopFlag = cancelBubble?.get ? (e) => cancelBubble.get.call(e) : (e) => e.cancelBubble;

function makeProto(base) {
  const target = {
    get() {
      const st = this[ST];
      return st === undefined ? null : meOf(st);
    },
    configurable: true,
  };
  const frame = (e) => {
    const st = e[ST];
    return st === undefined ? undefined : frameOf(st, e);
  };
  return Object.create(base, {
    target,
    srcElement: target,
    currentTarget: {
      get() {
        return frame(this) ? meOf(this[ST]) : null;
      },
      configurable: true,
    },
    eventPhase: { get() { return frame(this) ? 2 : 0; }, configurable: true },
    composedPath: {
      value() {
        const me = frame(this) ? meOf(this[ST]) : null;
        return me ? [me] : [];
      },
      configurable: true, writable: true,
    },
    preventDefault: {
      // Ignored inside a passive listener, as natively.
      value() {
        const f = frame(this);
        if (f && f.passive) return undefined;
        return base.preventDefault.call(this);
      },
      configurable: true, writable: true,
    },
    stopImmediatePropagation: {
      value() {
        const f = frame(this);
        if (f) f.stop = true;
        stoppedByUs.delete(this);
        immediate.add(this);
        return base.stopImmediatePropagation.call(this);
      },
      configurable: true, writable: true,
    },
    // Where the target's listeners run in two passes, stopping propagation in the capture
    // pass ends the dispatch before the other pass (see secondPass); both ways of stopping
    // it are seen here, also when the flag is still set from an earlier dispatch of ours.
    stopPropagation: {
      value() {
        const f = frame(this);
        if (f) f.halt = true;
        stoppedByUs.delete(this);
        return base.stopPropagation.call(this);
      },
      configurable: true, writable: true,
    },
    ...(cancelBubble?.set && {
      cancelBubble: {
        // A flag only our dispatch left set reads as the engine's would: cleared.
        get() { return stoppedByUs.has(this) && !stopFlagPersists() ? false : cancelBubble.get.call(this); },
        set(v) {
          const f = frame(this);
          if (f && v) f.halt = true;
          if (v) stoppedByUs.delete(this);
          cancelBubble.set.call(this, v);
        },
        configurable: true,
      },
    }),
  });
}

// Makes `e.target` (and currentTarget while dispatching) the client. A frozen or
// non-extensible event cannot be re-parented: it is dispatched with its own target.
function retarget(st, e) {
  const base = Object.getPrototypeOf(e);
  let p;
  if (base === lastBase) {
    p = lastProto; // the usual case: another message event
  } else if (ours.has(base)) {
    p = null; // already retargeted (maybe by another client): only the client changes
  } else {
    p = protos.get(base);
    if (p === undefined) {
      p = makeProto(base);
      protos.set(base, p);
      ours.add(p);
      keepShape(base, p);
    }
    lastBase = base;
    lastProto = p;
  }
  try {
    if (p !== null) Object.setPrototypeOf(e, p);
    e[ST] = st;
  } catch {
    // frozen or otherwise non-extensible: leave it as it is
  }
}

// Whether this engine's EventTarget invokes capture listeners before the others at the
// target (the DOM spec since 2021; WebKit does) or in registration order (Chromium,
// Firefox: measured), probed once on a private EventTarget.
let capFirst;
function captureFirst() {
  if (capFirst === undefined) {
    capFirst = false;
    if (typeof EventTarget === 'function') {
      const order = [];
      const t = new EventTarget();
      t.addEventListener('probe', () => order.push('bubble'));
      t.addEventListener('probe', () => order.push('capture'), true);
      t.dispatchEvent(new Event('probe'));
      capFirst = order[0] === 'capture';
    }
  }
  return capFirst;
}

// Whether this engine invokes the target's listeners in two passes, capture listeners then
// the others, each pass with its own snapshot of the list (the DOM spec; Firefox and WebKit
// do: a non-capture listener added by a capture listener runs in the same dispatch), or in
// one pass over one snapshot (Chromium). Probed once on a private EventTarget.
let passes2;
function twoPasses() {
  if (passes2 === undefined) {
    passes2 = false;
    if (typeof EventTarget === 'function') {
      const t = new EventTarget();
      t.addEventListener('probe', () => t.addEventListener('probe', () => { passes2 = true; }), true);
      t.dispatchEvent(new Event('probe'));
    }
  }
  return passes2;
}

/** One pass of the two-pass invocation: the listeners of that kind, snapshotted now. */
function invoke(st, list, e, frame, capture) {
  for (const l of list.filter((x) => x.capture === capture)) {
    if (frame.stop) break;
    if (l.removed) continue;
    if (l.once) removeEntry(st, l);
    call(st, l, e, frame);
  }
}

/** A snapshot of `list` with the capture listeners first (each group in order). */
function byPhase(list) {
  const out = [];
  for (const l of list) if (l.capture) out.push(l);
  for (const l of list) if (!l.capture) out.push(l);
  return out;
}

// Stop flags across dispatches of one event, per engine (measured, each on its own
// EventTarget): Firefox clears them when a dispatch ends and a set stop-propagation flag keeps
// the target's listeners from running; WebKit clears them too, but only the immediate flag
// keeps the target's listeners from running; Chromium does not clear them, and also only the
// immediate flag matters at the target. A native flag cannot be cleared from JS, so these
// sets say what the engine's own dispatch would have left behind:
// events whose flags are still set only because our dispatch cannot clear them;
const stoppedByUs = new WeakSet();
// events whose stopImmediatePropagation() is in force (called on our prototype, or probed);
const immediate = new WeakSet();
// events that went through a dispatch of ours (every stop since went through our prototype).
const seen = new WeakSet();
const nativeStop = typeof Event === 'function' ? Event.prototype.stopPropagation : undefined;
const nativeStopImmediate = typeof Event === 'function' ? Event.prototype.stopImmediatePropagation : undefined;

/** An event dispatched with a stop flag set (`cancelBubble`): whether no listener runs. */
function stoppedBefore(e) {
  if (!stopFlagPersists() && stoppedByUs.has(e)) return false;
  return propagationStopsTarget() || immediateSet(e);
}

/** Whether the event's immediate flag is set: known from our prototype, or, for an event
 *  stopped before it reached us, probed by dispatching it on a private target (no user code
 *  runs; an engine that clears the flags then gets them back; a non-extensible event, which
 *  would keep the private target as its target, is taken as not stopped immediately). */
function immediateSet(e) {
  if (immediate.has(e)) return true;
  if (seen.has(e) || !Object.isExtensible(e) || typeof EventTarget !== 'function') return false;
  let ran = false;
  try {
    const t = new EventTarget();
    t.addEventListener(e.type, () => { ran = true; });
    t.dispatchEvent(e);
  } catch {
    return false;
  }
  if (!stopFlagPersists()) (ran ? nativeStop : nativeStopImmediate).call(e);
  if (!ran) immediate.add(e);
  return !ran;
}

/** A dispatch of ours of an application's event ended: what the engine's would leave. */
function dispatched(e) {
  seen.add(e);
  if (!stopFlagPersists()) {
    immediate.delete(e);
    if (stopFlag(e)) stoppedByUs.add(e);
  }
}

// Whether this engine's EventTarget keeps an event's stop-propagation flag after the
// dispatch that set it (Chromium, measured) or clears it as the DOM spec says (Firefox),
// probed once on a private EventTarget.
let stopPersists;
function stopFlagPersists() {
  if (stopPersists === undefined) {
    stopPersists = true;
    if (typeof EventTarget === 'function') {
      let calls = 0;
      const t = new EventTarget();
      t.addEventListener('probe', (ev) => {
        calls++;
        ev.stopImmediatePropagation();
      });
      const ev = new Event('probe');
      t.dispatchEvent(ev);
      t.dispatchEvent(ev);
      stopPersists = calls === 1;
    }
  }
  return stopPersists;
}

// `close(code, reason)` differs by engine (measured, each against its own socket): Gecko
// follows WebIDL (an undefined code is "not present", a present one is [Clamp]ed: rounded
// to nearest, ties to even); WebKit treats an undefined code as absent too but truncates;
// Blink converts an undefined code before a reason to 0 (InvalidAccessError) and
// truncates. No side-effect-free probe exists (it would need a socket), so the engine is
// read from the user agent: Gecko's says "Gecko/<date>", the others "like Gecko".
const UA = typeof navigator !== 'undefined' ? navigator.userAgent || '' : '';
const GECKO = / Gecko\/\d/.test(UA);
// Blink (Chrome, HeadlessChrome, Edge, Opera …) names Chrome/Chromium in its user agent; WebKit (Safari,
// WebKitGTK) says AppleWebKit without it.
const BLINK = /Chrom(e|ium)\//.test(UA);
const WEBKIT = !BLINK && !GECKO && /AppleWebKit\//.test(UA);

/** What a `send` after `close()` adds to `bufferedAmount`, as this engine's own socket
 *  counts it: the payload; WebKit also counts the frame's header (2 bytes, the extended
 *  length, 4 bytes of mask), measured with its own socket side by side. */
export function discardedBytes(n) {
  if (!WEBKIT) return n;
  return n + 6 + (n < 126 ? 0 : n < 65536 ? 2 : 8);
}

function clampU16(n) {
  if (Number.isNaN(n)) return 0;
  if (n <= 0) return 0;
  if (n >= 65535) return 65535;
  const f = Math.floor(n);
  const d = n - f;
  if (d > 0.5 || (d === 0.5 && f % 2 === 1)) return f + 1;
  return f;
}

// How this engine reports a non-callable handleEvent: a TypeError (Firefox) or an error
// event without an error object (WebKit: `{ message }` here), as the probe saw it.
let badHandleEventError = null;

function reportBadHandleEvent(fresh) {
  // WebKit reports it without an error object when the socket itself fired the event
  // (measured by the differential fuzzer); otherwise as the probe saw it.
  const noObject = badHandleEventError !== null || (WEBKIT && fresh);
  if (noObject && typeof ErrorEvent === 'function' && typeof dispatchEvent === 'function') {
    const message = badHandleEventError?.message ?? "TypeError: Property 'handleEvent' is not callable.";
    dispatchEvent(new ErrorEvent('error', { message, error: null, cancelable: true }));
    return;
  }
  // Otherwise as this engine's own EventTarget reports it, by letting it report: WebKit
  // reports the exception thrown last in the task if there is one (a caught
  // InvalidStateError of an earlier send, say), else a TypeError (measured; found by the
  // differential fuzzer, seed 99177).
  if (typeof EventTarget === 'function') {
    const t = new EventTarget();
    t.addEventListener('x', { handleEvent: 0 });
    t.dispatchEvent(new Event('x'));
    return;
  }
  report(new TypeError("Property 'handleEvent' is not callable."));
}

// What this engine's own EventTarget does with a listener object whose handleEvent is not
// callable, probed once on a private EventTarget (the probe's report is swallowed), when
// the class is first installed.
let badHandleEvent;
function badHandleEventReported() {
  if (badHandleEvent === undefined) {
    badHandleEvent = false;
    const g = globalThis;
    if (typeof g.addEventListener === 'function' && typeof EventTarget === 'function') {
      const seen = (ev) => {
        badHandleEvent = true;
        badHandleEventError = ev.error === null || ev.error === undefined ? { message: ev.message } : null;
        ev.preventDefault();
        ev.stopImmediatePropagation();
      };
      g.addEventListener('error', seen, true);
      try {
        const t = new EventTarget();
        t.addEventListener('probe', { handleEvent: 0 });
        t.dispatchEvent(new Event('probe'));
      } catch {
        // an engine that throws instead of reporting: treat as reporting
        badHandleEvent = true;
      } finally {
        g.removeEventListener('error', seen, true);
      }
    }
  }
  return badHandleEvent;
}

function removeEntry(st, l) {
  if (l.removed) return;
  l.removed = true;
  const list = st.lists.get(l.type);
  if (list) {
    const i = list.indexOf(l);
    if (i >= 0) list.splice(i, 1);
  }
  if (l.signal) {
    l.signal.removeEventListener('abort', l.onAbort);
    l.signal = null;
    l.onAbort = null;
  }
}

function call(st, l, e, frame) {
  const cb = l.callback;
  frame.passive = l.passive === true;
  try {
    if (typeof cb === 'function') {
      const r = cb.call(meOf(st), e);
      if (l.attr && r === false && e.cancelable) e.preventDefault();
    } else if (!l.attr) {
      const h = cb.handleEvent;
      // A listener object without a callable handleEvent: skipped, and reported as a
      // TypeError where this engine's own EventTarget reports it (Firefox does, Chromium
      // does not: measured, see badHandleEventReported).
      if (typeof h === 'function') h.call(cb, e);
      else if (badHandleEventReported()) reportBadHandleEvent(frame.fresh);
    }
    // An onX set to a non-callable object is kept but never called (as natively).
  } catch (err) {
    report(err);
  }
  frame.passive = false;
}

// Whether a set stop-propagation flag keeps the target's listeners from running: before
// the dispatch, and between its two passes at the target (the DOM's two "invoke" steps;
// Firefox: found by the fuzzer, seed 6021), or not (WebKit, Chromium: measured). Probed once
// on a private EventTarget.
let stopsTarget;
function propagationStopsTarget() {
  if (stopsTarget === undefined) {
    stopsTarget = false;
    if (typeof EventTarget === 'function') {
      stopsTarget = true;
      const t = new EventTarget();
      t.addEventListener('probe', () => { stopsTarget = false; });
      const ev = new Event('probe');
      ev.stopPropagation();
      t.dispatchEvent(ev);
    }
  }
  return stopsTarget;
}

/** Whether the second of the two passes at the target runs. `before`: the flag as the
 *  dispatch found it (set then only by an earlier dispatch of ours, see stoppedByUs), so
 *  only our stopPropagation() or a change of the flag is new. */
function secondPass(e, frame, before) {
  return !frame.stop && (!propagationStopsTarget() || (!frame.halt && (before || !stopFlag(e))));
}

function dispatch(st, e, fresh, type) {
  retarget(st, e);
  const list = st.lists.get(type === undefined ? e.type : type);
  // An application's event (not `fresh`, the socket's own new one) stopped before this
  // dispatch: whether listeners run is the engine's rule (see stoppedBefore).
  if (list === undefined || list.length === 0 || (!fresh && stopFlag(e) && stoppedBefore(e))) {
    if (!fresh) dispatched(e);
    return;
  }
  let frame = st.stack[st.depth];
  if (frame === undefined) st.stack.push((frame = { e: null, stop: false, halt: false, passive: false, fresh: false }));
  frame.e = e;
  frame.stop = false;
  frame.halt = false;
  frame.passive = false;
  frame.fresh = fresh;
  st.depth++;
  try {
    if (list.length === 1 && !list[0].once) {
      const only = list[0];
      const before = only.capture && stopFlag(e);
      call(st, only, e, frame);
      // Two passes at the target: listeners a capture listener added run in the second.
      if (only.capture && list.length > 1 && twoPasses() && secondPass(e, frame, before)) invoke(st, list, e, frame, false);
    } else if (twoPasses()) {
      const before = stopFlag(e);
      invoke(st, list, e, frame, true);
      if (secondPass(e, frame, before)) invoke(st, list, e, frame, false);
    } else {
      for (const l of captureFirst() ? byPhase(list) : list.slice()) {
        if (frame.stop) break;
        if (l.removed) continue;
        if (l.once) removeEntry(st, l);
        call(st, l, e, frame);
      }
    }
  } finally {
    if (!fresh) dispatched(e);
    else if (frame.stop && !stopFlagPersists()) immediate.delete(e);
    st.depth--;
    frame.e = null;
  }
}

function listened(st, type) {
  const l = st.lists.get(type);
  return l !== undefined && l.length > 0;
}

/** Delivers an event made by Rust (or the socket's own open/error/close event). */
export function deliver(root, e) {
  const st = S(root);
  if (st === undefined) return;
  if (e.type === 'close') noteClose(st);
  dispatch(st, e, true);
}

// The engine's own events, by the number Rust passes (`deliver` in src/browser/mod.rs).
const CUSTOM = ['statechange', 'reconnect', 'reconnecting', 'heartbeat-timeout', 'reconnect-failed', 'queue-overflow', 'pong'];

/** Delivers one of the engine's own events (CUSTOM[kind]) whose detail fields also sit on
 *  it: statechange { from: a, to: b }, reconnect { attempt: a }, reconnecting { attempt: a,
 *  delay: b }, heartbeat-timeout {}, reconnect-failed { attempts: a }, queue-overflow
 *  { data: a }, pong { rtt: a }. Built only if something listens. */
export function deliverCustom(root, kind, a, b) {
  const st = S(root);
  const type = CUSTOM[kind];
  if (st !== undefined && kind === 2) noteReconnecting(st);
  if (st === undefined || !listened(st, type)) return;
  const detail =
    kind === 0 ? { from: a, to: b }
    : kind === 1 ? { attempt: a }
    : kind === 2 ? { attempt: a, delay: b }
    : kind === 4 ? { attempts: a }
    : kind === 5 ? { data: a }
    : kind === 6 ? { rtt: a }
    : {};
  emitCustom(st, type, detail);
}

function emitCustom(st, type, detail) {
  if (!listened(st, type)) return;
  const e = new CustomEvent(type, { detail });
  if (detail) Object.assign(e, detail);
  dispatch(st, e, true);
}

/** A close event; where the runtime has no `CloseEvent` (Node before 23), an `Event`
 *  with the same three fields. */
function closeEvent(code, reason, wasClean) {
  if (typeof CloseEvent === 'function') return new CloseEvent('close', { code, reason, wasClean });
  const e = new Event('close');
  Object.defineProperties(e, {
    code: { value: code, enumerable: true },
    reason: { value: reason, enumerable: true },
    wasClean: { value: wasClean, enumerable: true },
  });
  return e;
}

/** Delivers a synthesised close event. */
export function deliverClose(root, code, reason, wasClean) {
  const st = S(root);
  if (st !== undefined) noteClose(st);
  if (st === undefined || !listened(st, 'close')) return;
  dispatch(st, closeEvent(code, reason, wasClean), true);
}

/** An event of a socket made by the `WebSocket` option (e.g. the `ws` package, whose
 *  events are its own classes) as the DOM event a browser socket would have fired. */
function domEvent(e) {
  if (e instanceof Event) return e;
  switch (e.type) {
    case 'message':
      return new MessageEvent('message', { data: e.data, origin: e.origin ?? '' });
    case 'close':
      return closeEvent(e.code ?? 1005, e.reason ?? '', !!e.wasClean);
    default:
      return new Event(e.type);
  }
}

function routeKey(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A message event for the application: JSON mode, listeners, routes. */
export function deliverMessage(root, e) {
  const st = S(root);
  if (st === undefined) return;
  const r = relayed(st, e);
  if (!st.mute) messageTo(st, r, true);
}

/** Shared clients: the leader relays the message; binary data becomes a Blob if asked. */
function relayed(st, e) {
  if (st.relay !== null) st.relay(e.data);
  if (st.toBlob && e.data instanceof ArrayBuffer) {
    return new MessageEvent('message', { data: new Blob([e.data]), origin: e.origin });
  }
  return e;
}

export function setRelay(root, relay) {
  const st = S(root);
  if (st !== undefined) st.relay = relay ?? null;
}

/** A shared leader closed by its user: its socket's messages go to the other tabs only. */
export function setMute(root, mute) {
  const st = S(root);
  if (st !== undefined) st.mute = mute;
}

export function setToBlob(root, toBlob) {
  const st = S(root);
  if (st !== undefined) st.toBlob = toBlob;
}

/** A follower delivers a server message the leader relayed. */
export function deliverRelayed(root, data, url) {
  const st = S(root);
  if (st === undefined) return;
  let origin = '';
  try {
    origin = new URL(url).origin;
  } catch {
    // no URL known yet
  }
  const blob = st.toBlob && data instanceof ArrayBuffer;
  messageTo(st, new MessageEvent('message', { data: blob ? new Blob([data]) : data, origin }), true);
}

function messageTo(st, e, fresh) {
  if (!st.json) {
    dispatch(st, e, fresh, 'message');
    return;
  }
  let parsed;
  let error;
  let bad = false;
  if (typeof e.data === 'string') {
    try {
      parsed = JSON.parse(e.data);
    } catch (err) {
      bad = true;
      error = err;
    }
  }
  try {
    e.json = parsed;
  } catch {
    // a frozen event
  }
  dispatch(st, e, fresh);
  if (bad) {
    emitCustom(st, 'parse-error', { data: e.data, error });
    return;
  }
  if (st.routeBy === null) return;
  let v = parsed;
  for (const seg of st.routeBy) {
    if (v === null || typeof v !== 'object') return;
    v = v[seg];
  }
  const key = routeKey(v);
  const hs = key === undefined ? undefined : st.routes.get(key);
  if (hs === undefined) return;
  const me = meOf(st);
  for (const h of hs.slice()) {
    try {
      h.call(me, parsed, e);
    } catch (err) {
      report(err);
    }
  }
}

/** Opens one attempt's socket (the global `WebSocket`, or `ctor`: the `WebSocket` option)
 *  and wires its handlers to the shell's one callback per socket, `cb(kind, event)`:
 *  0 open, 1 message (only while Rust must see messages: makeMessageHandler), 2 error,
 *  3 close. A foreign socket's events are made DOM events first. Throws what the
 *  constructor throws (SyntaxError, SecurityError). */
const ignore = () => {};

export function openSocket(root, url, protocols, ctor, binaryType, shared, cb) {
  const ws = ctor ? Reflect.construct(ctor, [url, protocols]) : new WebSocket(url, protocols);
  try {
    ws.binaryType = binaryType;
    // A socket that is not the platform's (the `WebSocket` option, or a global `WebSocket`
    // that a test mock or polyfill replaced) may hand its handlers plain objects: they are
    // made into DOM events first. (The platform's own events pass through as they are.)
    const foreign = !!ctor || Object.prototype.toString.call(ws) !== '[object WebSocket]';
    const on = (kind) => (e) => cb(kind, domEvent(e));
    ws.onmessage = makeMessageHandler(root, (e) => cb(1, e), foreign ? ws : null, shared);
    ws.onopen = on(0);
    ws.onerror = on(2);
    ws.onclose = on(3);
  } catch (err) {
    // A foreign socket's setter threw: the attempt fails, and the socket it made does not
    // stay open behind it.
    detachSocket(ws);
    throw err;
  }
  return ws;
}

/** Detaches a socket the shell is done with (no event of it reaches the shell again) and
 *  closes it if it is still connecting or open. */
export function detachSocket(ws) {
  try {
    ws.onopen = ws.onmessage = ws.onclose = null;
    // Not null: Node's `ws` package emits `error` after `close()` of a CONNECTING socket
    // ("closed before the connection was established"), and an EventEmitter `error` with
    // no listener kills the process. A no-op handler keeps nothing alive.
    ws.onerror = ignore;
  } catch {
    // a foreign socket's setter threw: it is still closed below
  }
  try {
    if (ws.readyState < 2) ws.close();
    // Node's `ws` can drop a socket whose closing handshake we no longer wait for (a
    // browser's socket finishes it by itself).
    if (ws.readyState === 2 && typeof ws.terminate === 'function') ws.terminate();
  } catch {
    // a foreign socket's close threw: nothing more to do
  }
}

// The page: online/offline, visibility, Page Lifecycle's `resume`, the back/forward cache.
// Only where the global is an EventTarget (a window or a worker; not Node).
const pageTarget = () => (typeof EventTarget === 'function' && globalThis instanceof EventTarget ? globalThis : null);
const pageDocument = () => (typeof Window === 'function' && globalThis instanceof Window ? globalThis.document : undefined);

/** The page at start: 1 offline (`navigator.onLine` false), 2 hidden. */
export function pageState() {
  if (pageTarget() === null) return 0;
  const doc = pageDocument();
  return (globalThis.navigator?.onLine === false ? 1 : 0) | (doc && doc.visibilityState !== 'visible' ? 2 : 0);
}

/** Calls `cb(kind)` on the page's events — 0 online, 1 offline, 2 visible, 3 hidden,
 *  4 resume (a frozen page runs again), 5 stored in the back/forward cache, 6 restored
 *  from it — until the returned function detaches them. */
export function watchPage(cb) {
  const g = pageTarget();
  const offs = [];
  const on = (t, type, f) => {
    t.addEventListener(type, f);
    offs.push(() => t.removeEventListener(type, f));
  };
  if (g !== null) {
    on(g, 'online', () => cb(0));
    on(g, 'offline', () => cb(1));
    const doc = pageDocument();
    if (doc) {
      on(doc, 'visibilitychange', () => cb(doc.visibilityState === 'visible' ? 2 : 3));
      on(doc, 'resume', () => cb(4));
      // `persisted`: the page is being stored in / restored from the cache.
      const cached = (kind) => (e) => {
        if (typeof PageTransitionEvent === 'function' && e instanceof PageTransitionEvent && e.persisted) cb(kind);
      };
      on(g, 'pagehide', cached(5));
      // Not persisted: the page is going away for good (closed, reloaded, navigated).
      on(g, 'pagehide', (e) => {
        if (!(typeof PageTransitionEvent === 'function' && e instanceof PageTransitionEvent && e.persisted)) cb(7);
      });
      on(g, 'pageshow', cached(6));
    }
  }
  return () => {
    for (const off of offs) off();
  };
}

/** The socket's `onmessage`: straight to the listeners unless Rust must see it. A shared
 *  client's socket gets its own handler (the relay to the other tabs), so a client alone
 *  with its socket pays nothing for sharing on its hot path. `foreign`: the socket, when
 *  the `WebSocket` option made it (its events are made DOM events), else null. */
function makeMessageHandler(root, slow, foreign, shared) {
  if (foreign) {
    const h = makeMessageHandler(root, slow, null, shared);
    // A browser drops a message that arrives once the socket is no longer OPEN (after
    // close(): the WebSockets standard's "if ready state is not OPEN, return"); the ws
    // package delivers it. Dropped here too, so Node sees what a browser sees
    // (tests/e2e/node-vs-browser.mjs).
    return (e) => {
      if (foreign.readyState === 1) h(domEvent(e));
    };
  }
  if (shared) {
    return function onmessage(e) {
      const st = root.st ?? root.weak?.deref();
      if (st === undefined) return;
      if (st.slow) slow(e);
      else {
        const r = relayed(st, e);
        if (!st.mute) messageTo(st, r, true);
      }
    };
  }
  return function onmessage(e) {
    const st = root.st ?? root.weak?.deref();
    if (st === undefined) return;
    if (st.slow) slow(e);
    else messageTo(st, e, true);
  };
}

/** Whether a message's data is the binary pong (`pongMessage` an ArrayBuffer): the same
 *  bytes. Data that arrived as a Blob (binaryType 'blob') cannot be read synchronously. */
let warnedBlobPong = false;
export function sameBytes(data, pong) {
  if (!warnedBlobPong && typeof Blob === 'function' && data instanceof Blob) {
    warnedBlobPong = true;
    console.warn(`${NAME}: a binary pongMessage is matched only in messages that arrive as an ArrayBuffer; this one arrived as a Blob, so it is no pong (set binaryType to 'arraybuffer')`);
  }
  if (!(data instanceof ArrayBuffer) || data.byteLength !== pong.byteLength) return false;
  const a = new Uint8Array(data);
  const b = new Uint8Array(pong);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Calls a user policy function (`shouldReconnect`, `isPong`) with `this` = the client:
 *  1 truthy, 0 falsy, -1 it threw (reported). */
export function verdict(root, f, e) {
  const st = S(root);
  if (st !== undefined && e && typeof e === 'object') retarget(st, e);
  try {
    return f.call(st === undefined ? undefined : meOf(st), e) ? 1 : 0;
  } catch (err) {
    report(err);
    return -1;
  }
}

/**
 * The `url`/`protocols` sources of one attempt (each a user function or a fixed value), in a
 * microtask of their own (never inside the I/O of a transition): both functions called (url
 * first), a Promise result awaited (url first), then `done(failed, [url, protocols])` — in
 * `failed` bit 0 says the url, bit 1 the protocols function threw or rejected (the value is
 * then the error; the shell's callbacks all take `(kind, value)`: one closure signature).
 * Returns a ticket: after `cancelSources(ticket)` (the Rust side dropped `done`) nothing
 * more is called.
 */
export function resolveSources(url, protocols, done) {
  const ticket = { done };
  queueMicrotask(async () => {
    if (ticket.done === null) return;
    let failed = 0;
    const call = (f, bit) => {
      if (typeof f !== 'function') return f;
      try {
        return f();
      } catch (err) {
        failed |= bit;
        return err;
      }
    };
    const settle = async (v, bit) => {
      if (failed & bit || !(v instanceof Promise)) return v;
      try {
        return await v;
      } catch (err) {
        failed |= bit;
        return err;
      }
    };
    let u = call(url, 1);
    let p = call(protocols, 2);
    u = await settle(u, 1);
    p = await settle(p, 2);
    const d = ticket.done;
    ticket.done = null;
    if (d !== null) d(failed, [u, p]);
  });
  return ticket;
}

export function cancelSources(ticket) {
  ticket.done = null;
}

/** A Rust listener (the Rust API, websocketClass): `f(event)`; returns its id. */
export function addRustListener(root, type, f) {
  const st = S(root);
  return st === undefined ? null : addEntry(st, type, f);
}

function addEntry(st, type, f) {
  const l = { type, callback: f, capture: false, once: false, attr: false, removed: false, signal: null, onAbort: null };
  let list = st.lists.get(type);
  if (list === undefined) st.lists.set(type, (list = []));
  list.push(l);
  return l;
}

export function removeRustListener(root, l) {
  const st = S(root);
  if (st !== undefined) removeEntry(st, l);
}

function flatten(options) {
  if (options !== null && (typeof options === 'object' || typeof options === 'function')) return !!options.capture;
  return !!options;
}

function checkCallback(op, callback) {
  if (callback !== null && callback !== undefined && typeof callback !== 'object' && typeof callback !== 'function') {
    throw failed(op, "parameter 2 is not of type 'Object'.");
  }
}

// SharedArrayBuffer.prototype's byteLength getter: its brand check tells a shared buffer
// from anything else, also where the page is not cross-origin isolated (no global
// `SharedArrayBuffer`, but wasm's shared memory still makes one). Found on first need.
let sharedLength;
function isShared(v) {
  if (sharedLength === undefined) {
    sharedLength = null;
    try {
      const p = globalThis.SharedArrayBuffer?.prototype ?? Object.getPrototypeOf(new WebAssembly.Memory({ initial: 0, maximum: 0, shared: true }).buffer);
      sharedLength = Object.getOwnPropertyDescriptor(p, 'byteLength').get;
    } catch {
      // no shared memory in this runtime: nothing is shared
    }
  }
  if (sharedLength === null || v === null || typeof v !== 'object') return false;
  try {
    sharedLength.call(v);
    return true;
  } catch {
    return false;
  }
}

function sendable(data) {
  if (typeof data === 'string') return true; // the usual case first: no other check per send
  if (data instanceof ArrayBuffer) {
    if (data.resizable) throw failed('send', 'The provided ArrayBuffer value must not be resizable.');
    return true;
  }
  if (ArrayBuffer.isView(data)) {
    const b = data.buffer;
    if (!(b instanceof ArrayBuffer) && isShared(b)) {
      throw failed('send', 'The provided ArrayBufferView value must not be shared.');
    }
    if (b.resizable) throw failed('send', 'The provided ArrayBufferView value must not be resizable.');
    return true;
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) return true;
  // WebIDL's overloads take no SharedArrayBuffer (it is not converted to a string).
  if (isShared(data)) throw failed('send', 'The provided ArrayBuffer value must not be shared.');
  return false;
}

// The class's objects: every one the glue makes passes through the `__wbg_ptr` setter on
// the prototype (installPrototype). Accessors and methods called on anything else (the
// prototype itself, a plain object) throw a TypeError, as WebIDL's brand check does,
// instead of reaching Rust with a null pointer.
const mine = new WeakSet();
function brand(obj) {
  brandOnly(obj);
  if (watching) owned(obj);
}

/** The brand check alone, for what does not count as using the client (see Zombies). */
function brandOnly(obj) {
  if (!mine.has(obj)) throw new TypeError('Illegal invocation');
}

// ---- Zombies. A library given the class (graphql-ws, socket.io-client, stompjs, seed
// 001's own `onclose → new WebSocket()`) drops a socket after its `close` event and makes
// a new one; it never calls `close()` on the old one, which would reconnect by itself with
// the library's old handlers: a second connection nobody owns. What the code that owns a
// client can still do with it is use it: a client that reported `close`, will reconnect,
// and since that close was not used at all (no member read, no method called, no listener
// added: `brand` sees every one of those; removing a listener or clearing an `onX` handler
// is no use, it is what a library does to the socket it drops: reconnecting-websocket,
// partysocket) while a *new* client for the same URL was made,
// was replaced. It is stopped instead of reconnecting, silently (its listeners are
// released: the library must not hear of it again). A client whose owner ever used what
// only ours has (our events, members and methods: `st.ours`) is never taken for one.
const ownerless = new Set(); // states that reported close, will reconnect, unused since
// Whether `ownerless` has any: a plain flag for `brand`, which runs on every call. (Not
// `ownerless.size`: reading a native getter there cleared WebKit's record of the last
// exception, which it reports for a non-callable handleEvent, as its own socket does.)
let watching = false;
const unwatch = (st) => {
  const had = ownerless.delete(st);
  watching = ownerless.size !== 0;
  return had;
};
const newest = new Map(); // resolved URL -> `made` when its newest client started
let made = 0; // clients started so far
const warnedZombie = new Set(); // URLs warned about, once each

function owned(obj) {
  const st = states.get(obj);
  if (st !== undefined) unwatch(st);
}

function usesOurs(st) {
  if (st.ours || st.routes.size !== 0) return true;
  for (const [type, list] of st.lists) if (list.length !== 0 && !ATTRS.includes(type)) return true;
  return false;
}

/** Something was done with the client (a send, a close, a listener added): more than the
 *  reads a library wrapping it still makes of the socket it dropped. */
function acted(obj) {
  const st = states.get(obj);
  if (st !== undefined) st.acted = true;
}

/** Nothing listens to the client any more (every listener removed, no handler, no route;
 *  an `error` listener alone hears nothing of the link). */
function deaf(st) {
  if (st.routes.size !== 0) return false;
  for (const [type, list] of st.lists) {
    if (type !== 'error') for (const l of list) if (!l.removed) return false;
  }
  return true;
}

/** Marks the client as one whose owner uses what only ours has (not a library). */
function markOurs(obj) {
  stateOf(obj).ours = true;
}

/** Called by Rust before each socket it makes (not for shared clients): true when this
 *  attempt is a replaced client's reconnect, which must not happen (see above). */
export function orphaned(root, url) {
  const st = S(root);
  if (st === undefined) return false;
  if (!st.started) {
    st.started = true;
    newest.set(url, ++made);
    return false;
  }
  // Unused since its close; or only read since (a wrapper such as reconnecting-websocket
  // reads the readyState of the socket it dropped) and nobody listens to it any more.
  const unused = unwatch(st);
  if (!unused && !(st.bound && deaf(st) && !st.acted)) return false;
  const n = newest.get(url);
  if (n === undefined || n <= st.closedAt || usesOurs(st)) return false;
  // Stopped silently: nothing of it reaches the old handlers again.
  st.lists.clear();
  st.attrs = Object.create(null);
  if (!warnedZombie.has(url)) {
    warnedZombie.add(url);
    console.warn(
      `${NAME}: a client for ${url} reported 'close', was not used since, and a new client for the same URL was made: ` +
        'the pattern of code that replaces its socket after close (a library given the class, or onclose = () => new WebSocket(url)). ' +
        'The old client was stopped instead of reconnecting, so no second connection stays open. ' +
        'If a library owns the socket, give it { reconnect: false } (docs/libraries.md); ' +
        "to keep an idle client reconnecting beside a new one, listen to one of its own events (e.g. 'reconnecting') or read its state.",
    );
  }
  return true;
}

/** A close event is being delivered: a replacement made from now on counts. */
function noteClose(st) {
  st.closedAt = made;
  st.acted = false;
}

/** The engine will reconnect after the close it reported: unused from now on, it is
 *  taken for replaced once a new client for its URL starts. */
function noteReconnecting(st) {
  if (st.bound && !usesOurs(st)) {
    ownerless.add(st);
    watching = true;
  }
}

/** Gives `f` the `name` and `length` a WebIDL operation or accessor has. */
function idl(f, name, length) {
  Object.defineProperty(f, 'name', { value: name });
  if (length !== undefined) Object.defineProperty(f, 'length', { value: length });
  return f;
}

const ATTRS = ['open', 'message', 'error', 'close'];

/** Installs the EventTarget part of the class (once): add/removeEventListener,
 *  dispatchEvent, the onX handlers, on/off routes, and `send`'s argument conversion.
 *  The class's prototype inherits from EventTarget.prototype (`instanceof EventTarget`). */
export function installPrototype(proto) {
  if (Object.prototype.hasOwnProperty.call(proto, '__rwsInstalled')) return;
  Object.defineProperty(proto, '__rwsInstalled', { value: true });
  RWS = proto.constructor;
  // The constructor as WebIDL makes an interface object: `length` 1 (the required `url`;
  // the glue's constructor declares three parameters), the constants as enumerable,
  // read-only, non-configurable data properties (not the glue's static getters), and
  // EventTarget as its prototype.
  Object.defineProperty(RWS, 'length', { value: 1 });
  // A minifier may have renamed the glue's class: the name is the interface's.
  Object.defineProperty(RWS, 'name', { value: NAME });
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name, value) => {
    Object.defineProperty(RWS, name, { value, enumerable: true, writable: false, configurable: false });
  });
  if (typeof EventTarget === 'function' && Object.getPrototypeOf(RWS) === Function.prototype) {
    Object.setPrototypeOf(RWS, EventTarget);
  }
  // `ResilientWebSocket.withOptions(options)`: a subclass whose constructor a library calls
  // as `new C(url, protocols)`, with the options bound (a copy, taken now); options given
  // to the constructor too are merged over them. Its instances are the class's (`instanceof`,
  // constants, every member), and `withOptions` on it binds more.
  Object.defineProperty(RWS, 'withOptions', {
    value: idl(function withOptions(options) {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(`Failed to execute 'withOptions' on '${NAME}': the options must be an object.`);
      }
      // As the constructor reads them: inherited properties too. Checked now, with the
      // constructor's errors (not later, inside a library's `new`).
      const bound = {};
      for (const k in options) bound[k] = options[k];
      // Binary heartbeat messages are copied now too (the constructor copies its own).
      for (const k of ['pingMessage', 'pongMessage']) {
        const v = bound[k];
        if (v instanceof ArrayBuffer) bound[k] = v.slice(0);
        else if (ArrayBuffer.isView(v)) bound[k] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
      }
      readConfig(bound, new Float64Array(15));
      // (Without a `WebSocket` option, a stand-in: the constructor may get one later, and
      // only `new` needs a global WebSocket, as Node's test of it says.)
      readRest(bound.WebSocket === undefined ? { ...bound, WebSocket: Object } : bound);
      // (A computed name, which minifiers keep: "Class constructor ResilientWebSocket cannot
      // be invoked without 'new'".)
      const Preset = {
        [NAME]: class extends this {
          constructor(url, protocols, more) {
            super(url, protocols, more === undefined || more === null ? bound : { ...bound, ...more });
          }
        },
      }[NAME];
      Object.defineProperty(Preset, 'name', { value: NAME });
      Object.defineProperty(Preset, 'length', { value: 1 });
      return Preset;
    }, 'withOptions', 1),
    writable: true,
    configurable: true,
  });
  // Probe the engine's EventTarget now, before the app's code runs (the handleEvent probe
  // swallows its own report with a capture listener on the global).
  badHandleEventReported();
  stopFlagPersists();
  captureFirst();
  twoPasses();
  propagationStopsTarget();
  if (typeof EventTarget === 'function' && Object.getPrototypeOf(proto) === Object.prototype) {
    Object.setPrototypeOf(proto, EventTarget.prototype);
  }
  const methods = {
    addEventListener(type, callback, options) {
      brand(this);
      argc('addEventListener', 2, arguments.length);
      type = `${type}`;
      checkCallback('addEventListener', callback);
      let capture = false;
      let once = false;
      let passive = false;
      let signal;
      if (options !== null && (typeof options === 'object' || typeof options === 'function')) {
        capture = !!options.capture;
        once = !!options.once;
        passive = !!options.passive;
        signal = options.signal;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          throw failed('addEventListener', "Failed to read the 'signal' property from 'AddEventListenerOptions': Failed to convert value to 'AbortSignal'.");
        }
      } else {
        capture = !!options;
      }
      const st = stateOf(this);
      if (callback === null || callback === undefined) return;
      // (An `error` listener alone hears nothing of the link: partysocket adds one to the
      // socket it drops, to absorb its errors.)
      if (type !== 'error') st.acted = true;
      if (signal !== undefined && signal.aborted) return;
      let list = st.lists.get(type);
      if (list === undefined) st.lists.set(type, (list = []));
      for (const l of list) if (!l.attr && l.callback === callback && l.capture === capture) return;
      const l = { type, callback, capture, once, passive, attr: false, removed: false, signal: null, onAbort: null };
      list.push(l);
      if (signal !== undefined) {
        l.signal = signal;
        l.onAbort = () => removeEntry(st, l);
        signal.addEventListener('abort', l.onAbort);
      }
    },
    removeEventListener(type, callback, options) {
      // Not a use (see Zombies): a library detaches its handlers from the socket it drops.
      brandOnly(this);
      argc('removeEventListener', 2, arguments.length);
      type = `${type}`;
      checkCallback('removeEventListener', callback);
      const capture = flatten(options);
      const st = quietStateOf(this);
      const list = st.lists.get(type);
      if (!list) return;
      for (const l of list) {
        if (!l.attr && l.callback === callback && l.capture === capture) {
          removeEntry(st, l);
          return;
        }
      }
    },
    dispatchEvent(event) {
      brand(this);
      acted(this);
      argc('dispatchEvent', 1, arguments.length);
      if (!(event instanceof Event)) throw failed('dispatchEvent', "parameter 1 is not of type 'Event'.");
      const st = stateOf(this);
      if (frameOf(st, event)) {
        throw new DOMException(`Failed to execute 'dispatchEvent' on '${NAME}': The event is already being dispatched.`, 'InvalidStateError');
      }
      dispatch(st, event);
      return !event.defaultPrevented;
    },
    on(route, handler) {
      argc('on', 2, arguments.length);
      if (typeof handler !== 'function') throw failed('on', 'parameter 2 is not a function.');
      const st = stateOf(this);
      st.ours = true;
      const key = `${route}`;
      let hs = st.routes.get(key);
      if (hs === undefined) st.routes.set(key, (hs = []));
      if (!hs.includes(handler)) hs.push(handler);
    },
    off(route, handler) {
      const st = stateOf(this);
      const key = `${route}`;
      const hs = st.routes.get(key);
      if (!hs) return;
      const i = hs.indexOf(handler);
      if (i >= 0) hs.splice(i, 1);
      if (hs.length === 0) st.routes.delete(key);
    },
    // send(data, { queue }) and close(code, reason, { clearQueue }): the options are ours;
    // `length` stays the native one (1 and 0, below).
    send(data, options) {
      brand(this);
      argc('send', 1, arguments.length);
      if (!sendable(data)) {
        // WebIDL USVString conversion, as the native send does (a Symbol throws TypeError).
        data = `${data}`;
        if (data === '[object Object]' && !warnedObject) {
          warnedObject = true;
          console.warn(`${NAME}: send() converted an object to the string "[object Object]" (as WebSocket.send does); use sendJson(value) to send JSON`);
        }
      }
      if (options !== undefined) markOurs(this);
      acted(this);
      return this.__rwsSend(data, options);
    },
    close(code, reason, options) {
      brand(this);
      acted(this);
      if (GECKO) {
        // WebIDL, as Gecko: an undefined code is absent; a present one is [Clamp]ed.
        if (code !== undefined) code = clampU16(+code);
      } else if (WEBKIT && code === undefined) {
        // As WebKit: without a code the reason is ignored (not even length-checked).
        reason = undefined;
      } else if (BLINK && code === undefined && reason !== undefined) {
        // As Blink's binding: trailing undefined arguments are dropped, and a code left
        // undefined before a reason is converted, to 0 (InvalidAccessError).
        code = 0;
      }
      return this.__rwsClose(code, reason, options);
    },
    reconnect() {
      stateOf(this).ours = true;
      return this.__rwsReconnect();
    },
    open() {
      stateOf(this).ours = true;
      return this.__rwsReconnect();
    },
    sendJson(value, options) {
      brand(this);
      markOurs(this);
      const text = JSON.stringify(value);
      if (text === undefined) {
        throw new TypeError('sendJson: the value cannot be represented as JSON (undefined, a function or a symbol)');
      }
      return this.__rwsSend(text, options);
    },
  };
  // The attributes: accessors over two Rust entry points (one export per attribute cost
  // more wasm and glue), enumerable and named as WebIDL attributes are, with its brand
  // check; the constants as natively.
  const num = (k) => function () { brand(this); return this.__rwsNum(k); };
  const bool = (k) => function () { brand(this); return this.__rwsNum(k) === 1; };
  const str = (k) => function () { brand(this); return this.__rwsStr(k); };
  // Our own attributes also mark the client as one whose owner knows it is ours.
  const own = (get) => function () { const v = get.call(this); markOurs(this); return v; };
  const getters = {
    url: str(0),
    readyState: num(0),
    bufferedAmount: num(1),
    protocol: str(1),
    extensions: str(2),
    state: own(str(4)),
    sharedRole: own(str(5)),
    queuedAmount: own(num(2)),
    queuedBytes: own(num(3)),
    reconnectAttempt: own(num(4)),
    lockReconnect: own(bool(5)),
    userClose: own(bool(6)),
    rtt: own(function () { brand(this); const v = this.__rwsNum(7); return v === v ? v : null; }),
  };
  for (const [name, get] of Object.entries(getters)) {
    Object.defineProperty(proto, name, { get: idl(get, `get ${name}`), configurable: true, enumerable: true });
  }
  Object.defineProperty(proto, 'binaryType', {
    get: idl(str(3), 'get binaryType'),
    // WebIDL's enum conversion: ToString (a Symbol throws TypeError); a value that is not
    // one of the enum's is then ignored.
    set: idl(function (v) { brand(this); this.__rwsBinaryType(`${v}`); }, 'set binaryType'),
    configurable: true,
    enumerable: true,
  });
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name, value) => {
    Object.defineProperty(proto, name, { value, enumerable: true });
  });
  Object.defineProperty(proto, Symbol.toStringTag, { value: 'WebSocket', configurable: true });
  // wasm-bindgen stores the instance's pointer with `this.__wbg_ptr = …`: through this
  // setter it becomes a non-enumerable own property (Object.keys(ws) is [], as natively).
  Object.defineProperty(proto, '__wbg_ptr', {
    set(v) {
      Object.defineProperty(this, '__wbg_ptr', { value: v, writable: true, configurable: true, enumerable: false });
      mine.add(this);
    },
    get() { return 0; },
    configurable: true,
  });
  // The glue's own methods of ours (no JS wrapper above): using one marks the client as
  // one whose owner knows it is ours (see `orphaned`).
  for (const name of ['timing', 'clearQueue']) {
    const f = proto[name];
    if (typeof f !== 'function') continue;
    const wrapped = { [name](...args) { brand(this); markOurs(this); return f.apply(this, args); } }[name];
    Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
  }
  // The native interface's operations (and EventTarget's) are enumerable, with WebIDL's
  // lengths (required arguments only); our own extras are not.
  const native = { send: 1, close: 0, addEventListener: 2, removeEventListener: 2, dispatchEvent: 1 };
  for (const [name, value] of Object.entries(methods)) {
    const n = native[name];
    if (n !== undefined) idl(value, name, n);
    Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: n !== undefined });
  }
  for (const type of ATTRS) {
    Object.defineProperty(proto, `on${type}`, {
      get: idl(function () {
        const e = stateOf(this).attrs[type];
        return e === undefined ? null : e.callback;
      }, `get on${type}`),
      set: idl(function (v) {
        const h = v !== null && (typeof v === 'object' || typeof v === 'function') ? v : null;
        // Clearing a handler is not a use (see Zombies); setting one is.
        const st = h === null ? quietStateOf(this) : stateOf(this);
        if (h !== null) st.acted = true;
        let e = st.attrs[type];
        if (h === null) {
          if (e !== undefined) removeEntry(st, e);
          st.attrs[type] = undefined;
        } else if (e !== undefined) {
          e.callback = h; // keeps its place in the list, as natively
        } else {
          e = { type, callback: h, capture: false, once: false, attr: true, removed: false, signal: null, onAbort: null };
          let list = st.lists.get(type);
          if (list === undefined) st.lists.set(type, (list = []));
          list.push(e);
          st.attrs[type] = e;
        }
      }, `set on${type}`),
      configurable: true,
      enumerable: true,
    });
  }
}

// ---- websocketClass (seed 001): the drop-in for the hand-written class, over the
// ResilientWebSocket class itself (same public interface a user has, no shortcut). Its Rust
// export is only the constructor and `configure` (they validate, in the engine's terms);
// the rest is the thin adaptation below, installed on its prototype once.

let RWS = null; // the ResilientWebSocket class (installPrototype)
let seedConfig; // websocketClass.configure's options (validated by Rust)
let seedPending = null; // made by seedNew, bound to the JS object the glue makes for it
const seeds = new WeakMap(); // websocketClass object -> its state

/** `websocketClass.configure(options)`, once Rust validated them. */
export function seedConfigure(options) {
  seedConfig = options;
}

/** `new websocketClass(thatVue, url?)`: the state, and the client it wraps (created now,
 *  as the seed connects at once). */
export function seedNew(thatVue, url) {
  if (url === undefined && seedConfig !== undefined) url = seedConfig.url;
  if (url === undefined) {
    throw new TypeError(
      "websocketClass: no URL. Call websocketClass.configure({ url: 'wss://…' }) once before creating it, or pass the URL as the second argument: new websocketClass(thatVue, url)",
    );
  }
  const s = { vue: thatVue, cb: null, open: null, url, ws: null, me: null };
  seedCreate(s);
  seedPending = s;
}

function seedCreate(s) {
  if (s.ws !== null) {
    s.ws.reconnect();
    return;
  }
  let options;
  if (seedConfig !== undefined) {
    options = Object.assign({}, seedConfig);
    delete options.url;
  }
  const ws = new RWS(s.url, undefined, options);
  s.ws = ws;
  // Internal entries (after the app's, not removable by it): the callbacks are looked up
  // at each event, so a later getWebSocketMsg/onopenSuccess replaces them. The seed calls
  // its thatVue hooks right after creating a reconnect's socket, so that the callbacks
  // they register apply to that socket's open and messages.
  const st = stateOf(ws);
  addEntry(st, 'message', (e) => {
    const f = s.cb;
    if (typeof f === 'function') f(e);
  });
  addEntry(st, 'open', () => {
    const f = s.open;
    if (typeof f === 'function') f();
  });
  addEntry(st, 'statechange', (e) => {
    const vue = s.vue;
    // Every new socket but the first (an automatic reconnect, `reconnect()`,
    // `createWebSocket()`), as the seed calls them after creating each reconnect's socket.
    if (e.to === 'connecting' && e.from !== 'idle' && vue !== null && typeof vue === 'object') {
      hook(vue, 'openSuccess', s.me);
      hook(vue, 'getSocketMsg', s.me);
    }
  });
}

function hook(vue, name, me) {
  let f;
  try {
    f = vue[name];
  } catch {
    return;
  }
  if (typeof f === 'function') {
    try {
      f.call(vue, me);
    } catch (err) {
      report(err);
    }
  }
}

function seedOf(obj) {
  const s = seeds.get(obj);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

/** The websocketClass prototype: its methods and accessors (once). The object the glue
 *  makes is told its state through the glue's `this.__wbg_ptr = …` (as the
 *  ResilientWebSocket prototype does): the object the hooks receive, from the start. */
export function installSeed(proto) {
  if (Object.prototype.hasOwnProperty.call(proto, '__rwsSeed')) return;
  Object.defineProperty(proto, '__rwsSeed', { value: true });
  Object.defineProperty(proto, '__wbg_ptr', {
    set(v) {
      Object.defineProperty(this, '__wbg_ptr', { value: v, writable: true, configurable: true, enumerable: false });
      const s = seedPending;
      seedPending = null;
      if (s !== null) {
        s.me = this;
        seeds.set(this, s);
      }
    },
    get() { return 0; },
    configurable: true,
  });
  const noop = () => {};
  const methods = {
    createWebSocket() { seedCreate(seedOf(this)); },
    initEventHandle: noop,
    startHeartBeat: noop,
    waitingServer: noop,
    reconnect() { seedOf(this).ws.reconnect(); },
    websocketSendMsg(msg) { seedOf(this).ws.send(msg); },
    webSocketSendMsg(msg) { seedOf(this).ws.send(msg); },
    getWebSocketMsg(callback) { seedOf(this).cb = callback; },
    onopenSuccess(callback) { seedOf(this).open = callback; },
    closeSocket() { seedOf(this).ws.close(); },
  };
  for (const [name, value] of Object.entries(methods)) {
    Object.defineProperty(proto, name, { value, writable: true, configurable: true });
  }
  const online = (s) => s.ws.state === 'open' && s.ws.timing().pongDeadline === null;
  const accessors = {
    lockReconnect: [(s) => s.ws.lockReconnect],
    userClose: [(s) => s.ws.userClose],
    websocketState: [online],
    webSocketState: [online],
    ws: [(s) => s.ws],
    localUrl: [(s) => s.url],
    globalCallback: [(s) => s.cb, (s, v) => { s.cb = v; }],
    thatVue: [(s) => s.vue, (s, v) => { s.vue = v; }],
  };
  for (const [name, [get, set]] of Object.entries(accessors)) {
    Object.defineProperty(proto, name, {
      get() { return get(seedOf(this)); },
      set: set && function (v) { set(seedOf(this), v); },
      configurable: true,
    });
  }
}
