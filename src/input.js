// The input readers, in JS because they are JS-shaped work (property reads, `typeof`,
// `String(v)`, the browser's URL parser, iterables, messages) that cost 15 KB of wasm as
// Rust (issue 12); what the values mean — defaults, derived values, cross-option checks
// (`Config::validate`), every decision — stays in the Rust engine. Errors are named like the
// platform's, with the messages of docs/bad-input.md.
//
// 1. The WebSocket constructor's URL and subprotocol rules and WebIDL conversions: used by
//    the JS constructor, getInstance, close(), the `url`/`protocols` functions' results
//    before each attempt, and the Rust API (src/client), through src/validate.rs.
// 2. The options object of `new ResilientWebSocket(url, protocols, options)`, getInstance and
//    `websocketClass.configure` (src/js/options.rs calls `readConfig`, validates, then
//    `readRest`: the same order of property reads and of errors as one pass). Unknown option
//    names are reported with `console.warn` (a typo should not break a running app, but must
//    not pass silently either).
//
// (One file, not two: wasm-bindgen's test runner stalls loading a page with more snippet
// modules than this crate had; and every file is one more request and gzip stream.)

// ---- 1. URL, subprotocols, conversions

function syntaxError(message) {
  if (typeof DOMException === 'function') return new DOMException(message, 'SyntaxError');
  const e = new Error(message);
  e.name = 'SyntaxError';
  return e;
}

/** WebIDL's DOMString conversion: ToString, so a Symbol is a `TypeError` (`String(v)`
 *  would spell it "Symbol(…)"; the Rust version did, unlike the native constructor). */
export function domString(v, what) {
  if (typeof v === 'string') return v;
  try {
    return `${v}`;
  } catch {
    throw new TypeError(`${what} cannot be converted to a string`);
  }
}

/** WebIDL's numeric conversion (ToNumber): a Symbol or a BigInt throws `TypeError`. */
export function toNumber(v) {
  return +v;
}

// Gecko's own socket refuses an empty URL (SyntaxError); Blink's and WebKit's resolve it
// against the page, as any relative URL (measured, each against its own socket). The engine
// is read from the user agent, as in events.js.
const GECKO = typeof navigator !== 'undefined' && / Gecko\/\d/.test(navigator.userAgent || '');

function pageBase() {
  try {
    const l = globalThis.location;
    return l === undefined || l === null ? undefined : String(l.href ?? l);
  } catch {
    return undefined;
  }
}

/**
 * Parses `url` with the browser's URL parser against the page's address, then applies the
 * WebSocket rules: `ws:`/`wss:` kept, `http:`/`https:` mapped to `ws:`/`wss:`, any other
 * scheme and any fragment refused (`SyntaxError`). Returns the final URL.
 */
export function resolveUrl(url) {
  const original = domString(url, 'the URL');
  if (original === '' && GECKO) {
    throw syntaxError("Failed to construct 'ResilientWebSocket': the URL is empty.");
  }
  const base = pageBase();
  let u;
  try {
    u = base === undefined ? new URL(original) : new URL(original, base);
  } catch {
    throw syntaxError(
      `Failed to construct 'ResilientWebSocket': the URL '${original}' is invalid: it must be an absolute ws://, wss://, http:// or https:// URL, or a path relative to the page.`,
    );
  }
  const { href, protocol, hash } = u;
  if (hash !== '' || href.endsWith('#')) {
    throw syntaxError(
      `Failed to construct 'ResilientWebSocket': the URL '${original}' contains a fragment identifier ('${hash}'). Fragment identifiers are not allowed in WebSocket URLs.`,
    );
  }
  const rest = href.slice(protocol.length);
  if (protocol === 'ws:' || protocol === 'wss:') return href;
  if (protocol === 'http:') return `ws:${rest}`;
  if (protocol === 'https:') return `wss:${rest}`;
  throw syntaxError(
    `Failed to construct 'ResilientWebSocket': the URL's scheme must be 'ws', 'wss', 'http' or 'https'; '${protocol.replace(/:+$/, '')}' is not allowed (URL '${original}').`,
  );
}

/**
 * `getInstance`'s argument (a URL string, or options with `url` and maybe `key`,
 * `protocols`): `[url, protocols, options, key]`, the key being `key` or else the resolved
 * URL. Throws `TypeError` for a missing `url`, a `url` function without a `key`, or
 * anything else; the URL's `SyntaxError` as `resolveUrl`.
 */
const warnedKeys = new Set();

/** A later `getInstance` for an existing client: its options were set when the client was
 *  created; options given now whose value differs (primitives, and arrays such as
 *  `protocols`, compared by value; functions and objects not compared) are said once per
 *  key instead of being ignored silently. */
export function warnIgnoredOptions(key, given, createdWith) {
  if (given === null || typeof given !== 'object' || warnedKeys.has(key)) return;
  const base = createdWith !== null && typeof createdWith === 'object' ? createdWith : {};
  const same = (a, b) =>
    Object.is(a, b) ||
    (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => Object.is(x, b[i])));
  const comparable = (v) => v === null || typeof v !== 'object' || Array.isArray(v);
  const differ = Object.keys(given).filter((k) => {
    if (k === 'url' || k === 'key') return false;
    const v = given[k];
    return typeof v !== 'function' && comparable(v) && !same(v, base[k]);
  });
  if (differ.length === 0) return;
  warnedKeys.add(key);
  console.warn(
    `ResilientWebSocket.getInstance: the client for '${key}' exists and keeps the options it was created with; these differ and are ignored: ${differ.join(', ')} (give this client another key to have other options)`,
  );
}

export function instanceArgs(arg) {
  if (typeof arg === 'string') return [arg, undefined, undefined, resolveUrl(arg)];
  if (arg === null || typeof arg !== 'object') {
    throw new TypeError('getInstance expects a URL string or an options object with a url');
  }
  const { url, key, protocols } = arg;
  if (url === undefined) {
    throw new TypeError('getInstance(options): options.url is required (a URL string or a function returning one)');
  }
  if (typeof key === 'string') return [url, protocols, arg, key];
  if (typeof url === 'function') {
    throw new TypeError('getInstance(options): options.key is required when options.url is a function');
  }
  return [url, protocols, arg, resolveUrl(url)];
}

function iterator(v) {
  try {
    const f = v[Symbol.iterator];
    if (typeof f !== 'function') return undefined;
    const it = f.call(v);
    return it !== null && typeof it === 'object' ? it : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `protocols` argument: undefined → none; a string → one; an array or any other
 * iterable → each converted to a string; anything else → its string. Each must be a
 * non-empty token (RFC 7230 tchar), none twice (`SyntaxError`). Returns the array of
 * strings for `new WebSocket`.
 */
export function protocolList(v) {
  let list;
  if (v === undefined) {
    list = [];
  } else if (v === null) {
    // Not an object, so WebIDL converts it to the string "null", as natively.
    list = ['null'];
  } else if (Array.isArray(v)) {
    list = [];
    for (let i = 0; i < v.length; i++) list.push(domString(v[i], 'a subprotocol'));
  } else if (typeof v === 'object') {
    // Any other iterable (a Set, …) is a sequence too.
    const it = iterator(v);
    if (it === undefined) {
      list = [domString(v, 'the subprotocol')];
    } else {
      list = [];
      for (;;) {
        let r;
        try {
          r = it.next();
          if (r.done) break;
        } catch {
          throw new TypeError('the protocols iterable threw');
        }
        list.push(domString(r.value, 'a subprotocol'));
      }
    }
  } else {
    list = [domString(v, 'the subprotocol')];
  }
  list.forEach((p, i) => {
    if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(p)) {
      throw syntaxError(
        `Failed to construct 'ResilientWebSocket': the subprotocol '${p}' is invalid: a subprotocol must be a non-empty token (letters, digits and !#$%&'*+-.^_\`|~, no spaces or separators).`,
      );
    }
    if (list.indexOf(p) < i) {
      throw syntaxError(
        `Failed to construct 'ResilientWebSocket': the subprotocol '${p}' is duplicated; each subprotocol may appear once.`,
      );
    }
  });
  return list;
}

// ---- 2. Options

const MAX_MS = 2147483647;

// The options the constructor understands (the last three: getInstance's own), in the
// order the unknown-option warning lists them.
const KNOWN = [
  'pingInterval', 'pongTimeout', 'pingMessage', 'pongMessage', 'isPong', 'hidePongs',
  'reconnect', 'reconnectDelay', 'backoffFactor', 'maxReconnectDelay', 'jitter',
  'maxRetries', 'connectTimeout', 'closeTimeout', 'shouldReconnect', 'maxQueued',
  'maxQueuedBytes', 'overflow', 'binaryType', 'json', 'routeBy', 'bfcache', 'WebSocket',
  'shared', 'key', 'url', 'protocols',
];

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function reader(options) {
  if (options === undefined || options === null) return () => undefined;
  if (typeof options !== 'object') {
    throw new TypeError(`options must be an object, not ${typeName(options)}`);
  }
  return (key) => {
    try {
      return options[key];
    } catch {
      throw new TypeError(`reading option '${key}' threw`);
    }
  };
}

function millis(get, key, min) {
  const v = get(key);
  if (v === undefined) return NaN;
  if (typeof v !== 'number') {
    throw new TypeError(`option '${key}' must be a number of milliseconds, not ${typeName(v)}`);
  }
  if (!Number.isFinite(v) || v < min || v > MAX_MS) {
    throw new RangeError(`option '${key}' is ${v}; allowed: ${min} to ${MAX_MS} milliseconds`);
  }
  return Math.round(v);
}

function count(get, key, infinity) {
  const v = get(key);
  if (v === undefined) return NaN;
  if (typeof v !== 'number') throw new TypeError(`option '${key}' must be a number, not ${typeName(v)}`);
  const ok = v >= 0 && (Number.isInteger(v) || (infinity && v === Infinity));
  if (!ok || (Number.isFinite(v) && v > 4294967295)) {
    throw new RangeError(
      `option '${key}' is ${v}; allowed: a whole number from 0 to 4294967295${infinity ? ' or Infinity' : ''}`,
    );
  }
  return v;
}

/** NaN when unset, else 1 or 0. */
function flag(get, key) {
  const v = get(key);
  if (v === undefined) return NaN;
  if (typeof v !== 'boolean') throw new TypeError(`option '${key}' must be true or false, not ${typeName(v)}`);
  return v ? 1 : 0;
}

function func(get, key) {
  const v = get(key);
  if (v === undefined || typeof v === 'function') return v;
  throw new TypeError(`option '${key}' must be a function, not ${typeName(v)}`);
}

// A heartbeat message: a string, or binary (an ArrayBuffer or a view, copied now);
// `pingMessage: null` is the passive heartbeat (nothing sent: the server's own pings, or
// any message, must arrive within the window).
function message(get, key) {
  const v = get(key);
  if (v === undefined || typeof v === 'string' || (v === null && key === 'pingMessage')) return v;
  if (v instanceof ArrayBuffer) return v.slice(0);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice().buffer;
  const also = key === 'pingMessage' ? ', or null for no ping' : '';
  throw new TypeError(`option '${key}' must be a string or binary (an ArrayBuffer or a view${also}), not ${typeName(v)}`);
}

/**
 * The engine's options, as numbers (NaN: not set; flags 1/0; `overflow` 0 drop-oldest,
 * 1 drop-newest, 2 error), in `out`: pingInterval, pongTimeout, reconnect, reconnectDelay,
 * maxReconnectDelay, connectTimeout, closeTimeout, backoffFactor, jitter, maxRetries,
 * maxQueued, maxQueuedBytes, bfcache, overflow, then 1 if backoffFactor is set (it may be
 * set to NaN, which `Config::validate` refuses). Throws the option's TypeError/RangeError.
 */
export function readConfig(options, out) {
  const get = reader(options);
  if (options !== undefined && options !== null) {
    for (const k of Object.keys(options)) {
      if (!KNOWN.includes(k)) {
        console.warn(`resilient-ws: unknown option '${k}' is ignored; known options: ${KNOWN.join(', ')}`);
      }
    }
  }
  out[0] = millis(get, 'pingInterval', 0);
  out[1] = millis(get, 'pongTimeout', 1);
  out[2] = flag(get, 'reconnect');
  out[3] = millis(get, 'reconnectDelay', 0);
  out[4] = millis(get, 'maxReconnectDelay', 0);
  out[5] = millis(get, 'connectTimeout', 0);
  out[6] = millis(get, 'closeTimeout', 0);
  const b = get('backoffFactor');
  if (b !== undefined && typeof b !== 'number') {
    throw new TypeError(`option 'backoffFactor' must be a number, not ${typeName(b)}`);
  }
  out[7] = b === undefined ? NaN : b;
  out[14] = b === undefined ? 0 : 1;
  out[8] = flag(get, 'jitter');
  out[9] = count(get, 'maxRetries', true);
  out[10] = count(get, 'maxQueued', false);
  out[11] = count(get, 'maxQueuedBytes', false);
  out[12] = flag(get, 'bfcache');
  const o = get('overflow');
  out[13] = o === undefined ? NaN : ['drop-oldest', 'drop-newest', 'error'].indexOf(o);
  if (out[13] < 0) throw new TypeError("option 'overflow' must be 'drop-oldest', 'drop-newest' or 'error'");
}

/**
 * The shell's options, read after the engine's were validated: `[binaryType (0 blob,
 * 1 arraybuffer, -1 unset), routeBy (an array of path segments) or undefined, json, pingMessage,
 * pongMessage, isPong, hidePongs, shouldReconnect, WebSocket (the constructor to use, or
 * undefined for the global one), shared, key]`.
 */
export function readRest(options) {
  const get = reader(options);
  const bt = get('binaryType');
  const binaryType = bt === undefined ? -1 : ['blob', 'arraybuffer'].indexOf(bt);
  if (binaryType === -1 && bt !== undefined) {
    throw new TypeError("option 'binaryType' must be 'blob' or 'arraybuffer'");
  }
  const rb = get('routeBy');
  let routeBy;
  if (rb !== undefined) {
    if (typeof rb !== 'string' || rb.split('.').some((p) => p === '')) {
      throw new TypeError(
        "option 'routeBy' must be a field name or a dotted path such as 'event' or 'extend.code'",
      );
    }
    routeBy = rb.split('.');
  }
  const json = flag(get, 'json') === 1 || routeBy !== undefined;
  const ping = message(get, 'pingMessage');
  const pong = message(get, 'pongMessage');
  const isPong = func(get, 'isPong');
  const hidePongs = flag(get, 'hidePongs') === 1;
  const shouldReconnect = func(get, 'shouldReconnect');
  const ctor = func(get, 'WebSocket');
  if (ctor === undefined && typeof globalThis.WebSocket !== 'function') {
    throw new TypeError(
      "this runtime has no global WebSocket: pass a constructor with the WebSocket interface as the option 'WebSocket', e.g. `import { WebSocket } from 'ws'` then `new ResilientWebSocket(url, undefined, { WebSocket })`",
    );
  }
  const shared = flag(get, 'shared') === 1;
  const key = get('key');
  if (key !== undefined && typeof key !== 'string') throw new TypeError("option 'key' must be a string");
  return [binaryType, routeBy, json, ping, pong, isPong, hidePongs, shouldReconnect, ctor, shared, key];
}
