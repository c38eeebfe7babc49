// The WebSocket constructor's URL and subprotocol rules, with the platform's error names and
// the messages of docs/bad-input.md; used by the JS constructor, getInstance, the `url` and
// `protocols` functions' results before each attempt, and the Rust API (src/client). In JS
// because it is JS-shaped work — `String(v)`, the browser's URL parser, iterables — which
// cost 6.5 KB of wasm as Rust (issue 12).

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
