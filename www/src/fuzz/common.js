// Shared by the two randomized suites (differential.js, keepalive.js): the
// instrumented native WebSocket, small helpers, and a fast-check runner with a
// time budget for generation and for shrinking.
import fc from 'fast-check';

/** The browser's own WebSocket, captured before anything replaces it. */
export const NativeWebSocket = window.WebSocket;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The name of what `fn` threw (DOMException / Error name), or null. */
export function errName(e) {
  if (e === undefined) return 'undefined';
  if (e === null) return 'null';
  if (typeof e === 'object' || typeof e === 'function') {
    const n = e.name;
    return typeof n === 'string' ? n : `object:${Object.prototype.toString.call(e)}`;
  }
  return `${typeof e}:${String(e).slice(0, 40)}`;
}

/** FNV-1a over bytes, as 8 hex digits. */
export function hashBytes(u8) {
  let h = 0x811c9dc5;
  for (let i = 0; i < u8.length; i++) {
    h ^= u8[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export const hashString = (s) => hashBytes(new TextEncoder().encode(s));

// ---- The native sockets, instrumented --------------------------------------------------
//
// Every native WebSocket the page creates (ours creates its sockets through the global
// `WebSocket`, which wasm-bindgen's glue looks up at each call) is reported to the
// current observer. Each gets one capture listener, registered before anything else,
// that counts incoming messages: the harness learns that all echoes have arrived without
// adding a listener to the object under test (at the target, capture listeners run
// first, so no listener of the program can stop it or see it).

const records = new WeakMap();
let observer = null;

/** `fn(record)` is called for every native socket created from now on (null: none). */
export function observeNativeSockets(fn) {
  observer = fn;
}

/** Instruments `ws` (once); returns its record `{ ws, received, url, seq }`. */
export function instrument(ws) {
  let rec = records.get(ws);
  if (rec) return rec;
  rec = { ws, received: 0, url: ws.url, seq: ++instrument.seq, closed: false };
  records.set(ws, rec);
  // Only what the network delivers (a program may dispatch synthetic events on the socket).
  ws.addEventListener('message', (e) => { if (e.isTrusted) rec.received++; }, true);
  ws.addEventListener('close', (e) => { if (e.isTrusted) rec.closed = true; }, true);
  return rec;
}
instrument.seq = 0;

function HookedWebSocket(...args) {
  if (!new.target) {
    // As natively: "Failed to construct 'WebSocket': Please use the 'new' operator".
    return NativeWebSocket(...args);
  }
  const ws = Reflect.construct(NativeWebSocket, args, new.target === HookedWebSocket ? NativeWebSocket : new.target);
  const rec = instrument(ws);
  if (observer) observer(rec);
  return ws;
}
HookedWebSocket.prototype = NativeWebSocket.prototype;
Object.setPrototypeOf(HookedWebSocket, NativeWebSocket);
Object.defineProperty(HookedWebSocket, 'name', { value: 'WebSocket' });
window.WebSocket = HookedWebSocket;

// ---- Uncaught errors --------------------------------------------------------------------

let errorSink = null;
/** `fn({ name, message, kind })` receives every uncaught error / unhandled rejection. */
export function onUncaught(fn) {
  errorSink = fn;
}
window.addEventListener('error', (ev) => {
  const e = ev.error;
  const rec = { kind: 'error', name: errName(e), message: String((e && e.message) ?? ev.message ?? '') };
  if (errorSink) errorSink(rec);
  else (window.strayErrors ||= []).push(rec);
  ev.preventDefault();
});
window.addEventListener('unhandledrejection', (ev) => {
  const e = ev.reason;
  const rec = { kind: 'rejection', name: errName(e), message: String((e && e.message) ?? e ?? '') };
  if (errorSink) errorSink(rec);
  else (window.strayErrors ||= []).push(rec);
  ev.preventDefault();
});

// ---- fast-check with budgets ------------------------------------------------------------

/**
 * Runs `check(value)` (async; returns null when the value passes, or a failure object)
 * on up to `numRuns` generated values. After `timeBudgetMs` no new value is run; after
 * the first failure, shrinking gets `shrinkBudgetMs` (then every further candidate
 * counts as passing, which ends shrinking with the smallest failure found so far).
 * `check` may set `abort.reason` to stop the run at once (e.g. the wasm module trapped).
 */
export async function runProperty({ arb, seed, numRuns, timeBudgetMs, shrinkBudgetMs, check, abort = {} }) {
  const t0 = performance.now();
  let executed = 0;
  let shrinkRuns = 0;
  let first = null;
  let last = null;
  let shrinkDeadline = null;
  let timedOut = false;
  const prop = fc.asyncProperty(arb, async (value) => {
    const now = performance.now();
    if (abort.reason) return true;
    if (shrinkDeadline === null && now - t0 > timeBudgetMs) {
      timedOut = true;
      return true;
    }
    if (shrinkDeadline !== null && now > shrinkDeadline) return true;
    if (shrinkDeadline === null) executed++;
    else shrinkRuns++;
    let failure;
    try {
      failure = await check(value);
    } catch (e) {
      failure = { harnessError: `${errName(e)}: ${e && e.message}\n${(e && e.stack) || ''}` };
    }
    if (!failure) return true;
    if (!first) {
      first = { value, failure };
      shrinkDeadline = performance.now() + shrinkBudgetMs;
    }
    last = { value, failure };
    return false;
  });
  const details = await fc.check(prop, { seed, numRuns });
  return {
    failed: details.failed && last !== null,
    seed: details.seed,
    executed,
    shrinkRuns,
    numShrinks: details.numShrinks,
    timedOut,
    ms: Math.round(performance.now() - t0),
    first,
    last,
    harnessError: details.failed && last === null ? String(details.errorInstance) : null,
  };
}

/** JSON with undefined, NaN, -0 and bigint kept readable (for reports). */
export function toJsonable(v) {
  return JSON.parse(
    JSON.stringify(v, (_k, x) => {
      if (x === undefined) return '(undefined)';
      if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
      if (typeof x === 'bigint') return `${x}n`;
      return x;
    }),
  );
}
