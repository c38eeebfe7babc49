// The JS input readers (src/input.js) on their own, in Node: the cases
// the Rust host tests had before the readers moved to JS (issue 12). The browser tests
// (tests/web.rs: bad_input_*, every_bad_option_value_*) compare them with the native
// WebSocket and docs/bad-input.md.
import test from 'node:test';
import assert from 'node:assert/strict';
import { resolveUrl, protocolList, instanceArgs } from '../../src/input.js';
import { readConfig, readRest } from '../../src/input.js';

const syntax = (f, text) =>
  assert.throws(f, (e) => e.name === 'SyntaxError' && (text === undefined || e.message.includes(text)));

test('URL scheme and fragment rules', () => {
  assert.equal(resolveUrl('ws://h/x'), 'ws://h/x');
  assert.equal(resolveUrl('http://h/x'), 'ws://h/x');
  assert.equal(resolveUrl('https://h/x'), 'wss://h/x');
  assert.equal(resolveUrl(new URL('wss://h:8/x?q')), 'wss://h:8/x?q');
  syntax(() => resolveUrl('ftp://h/x'), "'ftp' is not allowed");
  syntax(() => resolveUrl('ws://h/x#f'), 'fragment');
  syntax(() => resolveUrl('ws://h/x#'), 'fragment');
  // No page to resolve against in Node: a relative URL is invalid.
  syntax(() => resolveUrl('/echo'), 'is invalid');
  assert.throws(() => resolveUrl(Symbol('u')), { name: 'TypeError', message: 'the URL cannot be converted to a string' });
});

test('subprotocols are unique non-empty tokens', () => {
  assert.deepEqual(protocolList(['echo', 'chat.v2', "a!#$%&'*+-.^_`|~"]), ['echo', 'chat.v2', "a!#$%&'*+-.^_`|~"]);
  for (const bad of [['a', 'a'], [''], ['a b'], ['a,b'], ['é'], ['x/y']]) syntax(() => protocolList(bad));
  syntax(() => protocolList(['a', 'a']), 'duplicated');
  syntax(() => protocolList(['a b']), 'token');
  // Case differs: not a duplicate.
  assert.deepEqual(protocolList(['Echo', 'echo']), ['Echo', 'echo']);
  assert.deepEqual(protocolList(undefined), []);
  assert.deepEqual(protocolList(null), ['null']);
  assert.deepEqual(protocolList('chat'), ['chat']);
  assert.deepEqual(protocolList(new Set(['a', 'b'])), ['a', 'b']);
  const throwing = { [Symbol.iterator]: () => ({ next() { throw new Error('x'); } }) };
  assert.throws(() => protocolList(throwing), { name: 'TypeError', message: 'the protocols iterable threw' });
  assert.throws(() => protocolList([Symbol('p')]), { name: 'TypeError', message: 'a subprotocol cannot be converted to a string' });
});

test('options: unset is NaN, set values are checked and named', () => {
  const n = new Float64Array(15);
  readConfig(undefined, n);
  assert.ok([...n.slice(0, 14)].every(Number.isNaN));
  readConfig({ pingInterval: 1000.4, reconnect: false, maxRetries: Infinity, overflow: 'error', backoffFactor: NaN }, n);
  assert.equal(n[0], 1000);
  assert.equal(n[2], 0);
  assert.equal(n[9], Infinity);
  assert.equal(n[13], 2);
  assert.ok(Number.isNaN(n[7]) && n[14] === 1, 'backoffFactor NaN is set (Config::validate refuses it)');
  assert.throws(() => readConfig({ pingInterval: 'soon' }, n), {
    name: 'TypeError',
    message: "option 'pingInterval' must be a number of milliseconds, not string",
  });
  assert.throws(() => readConfig({ pongTimeout: 0 }, n), {
    name: 'RangeError',
    message: "option 'pongTimeout' is 0; allowed: 1 to 2147483647 milliseconds",
  });
  assert.throws(() => readConfig({ maxQueued: 1.5 }, n), {
    name: 'RangeError',
    message: "option 'maxQueued' is 1.5; allowed: a whole number from 0 to 4294967295",
  });
  assert.throws(() => readConfig(42, n), { name: 'TypeError', message: 'options must be an object, not number' });
  const getter = { get pingInterval() { throw new Error('boom'); } };
  assert.throws(() => readConfig(getter, n), { name: 'TypeError', message: "reading option 'pingInterval' threw" });
  const r = readRest({ routeBy: 'extend.code', binaryType: 'arraybuffer', key: 'k', WebSocket: class {} });
  assert.deepEqual(r[1], ['extend', 'code']);
  assert.equal(r[0], 1);
  assert.equal(r[2], true, 'routeBy implies json');
  assert.equal(r[10], 'k');
  assert.throws(() => readRest({ routeBy: 'a..b' }), { name: 'TypeError' });
  assert.throws(() => readRest({ binaryType: 'text' }), {
    name: 'TypeError',
    message: "option 'binaryType' must be 'blob' or 'arraybuffer'",
  });
});

test('heartbeat messages: strings, binary copied (views too), null pingMessage is the passive heartbeat', () => {
  const WS = class {};
  assert.equal(readRest({ pingMessage: 'p', WebSocket: WS })[3], 'p');
  assert.equal(readRest({ pingMessage: null, WebSocket: WS })[3], null);
  const bytes = new Uint8Array([9, 8, 7, 6]);
  const ping = readRest({ pingMessage: bytes.subarray(1, 3), pongMessage: bytes.buffer, WebSocket: WS });
  assert.ok(ping[3] instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(ping[3])], [8, 7]);
  assert.notEqual(ping[4], bytes.buffer, 'copied: later writes to the caller\'s buffer change nothing');
  assert.deepEqual([...new Uint8Array(ping[4])], [9, 8, 7, 6]);
  assert.throws(() => readRest({ pongMessage: null, WebSocket: WS }), {
    name: 'TypeError',
    message: "option 'pongMessage' must be a string or binary (an ArrayBuffer or a view), not null",
  });
  assert.throws(() => readRest({ pingMessage: 42, WebSocket: WS }), {
    name: 'TypeError',
    message: "option 'pingMessage' must be a string or binary (an ArrayBuffer or a view, or null for no ping), not number",
  });
});

test('WebIDL conversions: a Symbol is no string, a Symbol or BigInt no number', async () => {
  const { domString, toNumber } = await import('../../src/input.js');
  assert.equal(domString(42, 'reason'), '42');
  assert.throws(() => domString(Symbol('r'), 'reason'), { name: 'TypeError', message: 'reason cannot be converted to a string' });
  assert.equal(toNumber('3000'), 3000);
  assert.ok(Number.isNaN(toNumber({})));
  assert.throws(() => toNumber(Symbol('c')), TypeError);
  assert.throws(() => toNumber(1000n), TypeError);
});

test("getInstance's argument: the key is options.key or the resolved URL", () => {
  assert.deepEqual(instanceArgs('http://h/x'), ['http://h/x', undefined, undefined, 'ws://h/x']);
  const withKey = { url: () => 'ws://h/x', key: 'k', protocols: ['p'] };
  assert.deepEqual(instanceArgs(withKey), [withKey.url, ['p'], withKey, 'k']);
  const plain = { url: 'wss://h/y', reconnectDelay: 5 };
  assert.deepEqual(instanceArgs(plain), ['wss://h/y', undefined, plain, 'wss://h/y']);
  const type = (arg, text) => assert.throws(() => instanceArgs(arg), (e) => e.name === 'TypeError' && e.message.includes(text));
  type({ url: () => 'ws://h/x' }, 'options.key is required when options.url is a function');
  type({ key: 'k' }, 'options.url is required');
  for (const bad of [undefined, null, 42, () => 'ws://h/x']) type(bad, 'expects a URL string or an options object');
  syntax(() => instanceArgs('ftp://h/x'), "'ftp' is not allowed");
});
