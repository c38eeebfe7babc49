// The composable itself, for the class of the entry that loaded it: `vue.js` (browsers and
// bundlers: `./index.js`) or `vue-node.js` (Node, e.g. server-side rendering: `./node.js`).
//
// Two forms, one set of reactive views:
//
// - useResilientWebSocket(url, options): VueUse's `useWebSocket` shape. The component owns
//   a client of its own. `url` may be a string, a URL, a ref or a getter; `null` or
//   `undefined` means "not connected". A change of URL closes the socket and opens the next
//   one through the client's `reconnect()` (never two at once: the client reads the URL
//   from a function before each attempt). `immediate` (default true) connects at once,
//   `autoConnect` (default true) reconnects when the URL changes, `autoClose` (default
//   true) closes the client when the effect scope ends and on `beforeunload`.
// - useResilientWebSocket({ url, key, ...clientOptions }, { dispose }): one shared client
//   per key (ResilientWebSocket.getInstance). Each component that calls it is a user of the
//   client from its setup until its effect scope ends (unmount, or a <Suspense> branch
//   abandoned before it mounted; a <KeepAlive>-deactivated component stays a user). Users
//   are counted from setup, not mount: inside <Suspense> the next page's setup runs before
//   the old page unmounts, and must find the client alive. With `dispose: true` the client
//   is closed and forgotten when the last user leaves, and only that client.
//
// During server-side rendering (no `window`/`document`, or Vue's SSR context) no client is
// created: the refs keep their initial state ('connecting' or 'closed', CONNECTING or
// CLOSED), `client` is null and the methods do nothing; the browser creates the client
// when it runs the setup.
import {
  getCurrentInstance,
  getCurrentScope,
  inject,
  isRef,
  onScopeDispose,
  ref,
  shallowRef,
  ssrContextKey,
  toValue,
  watch,
} from 'vue';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
const STATUS = ['CONNECTING', 'OPEN', 'CLOSED', 'CLOSED'];

// Options of the composable itself; every other key goes to the client.
const OWN = new Set([
  'immediate', 'autoConnect', 'autoClose', 'heartbeat', 'autoReconnect', 'protocols',
  'onConnected', 'onDisconnected', 'onError', 'onMessage', 'maxMessages', 'dispose',
]);

// client -> how many live component scopes use it (the shared form).
const users = new Map();

const keyOf = (o) => o.key ?? o.url;

/** Whether this setup runs on a server: no DOM, or inside Vue's server renderer. */
function serverSide() {
  if (typeof window === 'undefined' || typeof document === 'undefined') return true;
  // renderToString provides the SSR context to the app (a DOM shim may define window).
  return getCurrentInstance() !== null && inject(ssrContextKey, null) != null;
}

/** The plain-object form (the shared client of `getInstance`)? */
const isInstanceForm = (a) =>
  a !== null && typeof a === 'object' && !isRef(a) && !(a instanceof URL);

/** The string form of a URL value (a string, URL, ref or getter), or null. */
function urlOf(source) {
  const v = toValue(source);
  return v === null || v === undefined || v === '' ? null : String(v);
}

/** VueUse's `heartbeat` and `autoReconnect` in the client's own options. */
function clientOptions(options) {
  const o = {};
  for (const [k, v] of Object.entries(options)) if (!OWN.has(k)) o[k] = v;
  const hb = options.heartbeat;
  if (hb === false) o.pingInterval = 0;
  else if (hb !== null && typeof hb === 'object') {
    if (hb.message !== undefined) o.pingMessage = hb.message;
    if (hb.responseMessage !== undefined) {
      o.pongMessage = hb.responseMessage;
      o.hidePongs ??= true;
    }
    if (hb.interval !== undefined) o.pingInterval = hb.interval;
    if (hb.pongTimeout !== undefined) o.pongTimeout = hb.pongTimeout;
  }
  const ar = options.autoReconnect;
  if (ar === false) o.reconnect = false;
  else if (ar !== null && typeof ar === 'object') {
    if (typeof ar.retries === 'number') o.maxRetries = ar.retries;
    else if (typeof ar.retries === 'function') {
      const retries = ar.retries;
      const own = o.shouldReconnect;
      // The attempt about to be made, counted from 1 as VueUse's `retried`.
      o.shouldReconnect = function (e) {
        return retries(this.reconnectAttempt + 1) && (own ? own.call(this, e) : true);
      };
    }
    if (typeof ar.delay === 'number') o.reconnectDelay = ar.delay;
    else if (ar.delay !== undefined) throw new TypeError("autoReconnect.delay must be a number (use backoffFactor and maxReconnectDelay for a growing delay)");
  }
  return o;
}

export function makeUseResilientWebSocket(ResilientWebSocket) {
  return function useResilientWebSocket(urlOrOptions, options = {}) {
    const shared = isInstanceForm(urlOrOptions);
    const opts = options ?? {};
    const maxMessages = opts.maxMessages ?? 50;
    // What the browser's first render will show (so a server render hydrates without a
    // mismatch): connecting, unless this form starts without a connection.
    const starts = shared || (opts.immediate !== false && urlOf(urlOrOptions) !== null);
    const state = ref(starts ? 'connecting' : 'closed');
    const readyState = ref(starts ? CONNECTING : CLOSED);
    const status = ref(STATUS[readyState.value]);
    // Newest first: { dir: 'in' | 'out', data, at (Date), queued? }.
    const messages = ref([]);
    const lastMessage = shallowRef(null); // the last message received
    const data = shallowRef(null); // its data, as the browser gave it
    const lastJson = shallowRef(null); // its data parsed, when it was JSON text
    const rtt = ref(null);
    const reconnectAttempt = ref(0);
    const reconnectDelay = ref(null);
    const sharedRole = ref(null);
    const ws = shallowRef(null);

    const views = { state, readyState, status, data, lastJson, lastMessage, messages, rtt, reconnectAttempt, reconnectDelay, sharedRole, ws };
    const nothing = () => {};
    if (serverSide()) {
      return { ...views, client: null, send: () => false, open: nothing, close: nothing, reconnect: nothing };
    }

    const record = (entry) => {
      if (maxMessages > 0) messages.value = [entry, ...messages.value].slice(0, maxMessages);
    };
    let client = null;
    const sync = () => {
      if (client === null) return;
      state.value = client.state;
      readyState.value = client.readyState;
      status.value = STATUS[client.readyState];
      sharedRole.value = client.sharedRole;
      reconnectAttempt.value = client.reconnectAttempt;
    };
    const call = (f, ...args) => {
      if (typeof f === 'function') f(client, ...args);
    };
    const listeners = {
      statechange: sync,
      open: () => {
        sync();
        reconnectDelay.value = null;
        call(opts.onConnected);
      },
      close: (e) => {
        sync();
        call(opts.onDisconnected, e);
      },
      error: (e) => {
        sync();
        call(opts.onError, e);
      },
      message: (e) => {
        const d = e.data;
        let json = null;
        if (typeof d === 'string') {
          try {
            json = JSON.parse(d);
          } catch {
            json = null;
          }
        }
        data.value = d;
        lastJson.value = json;
        lastMessage.value = { dir: 'in', data: d, at: new Date() };
        record(lastMessage.value);
        call(opts.onMessage, e);
      },
      reconnecting: (e) => {
        sync();
        reconnectDelay.value = e.delay;
      },
      pong: (e) => {
        rtt.value = e.rtt;
      },
      'reconnect-failed': () => {
        sync();
        if (opts.autoReconnect && typeof opts.autoReconnect.onFailed === 'function') opts.autoReconnect.onFailed();
      },
    };
    const attach = (c) => {
      for (const [type, fn] of Object.entries(listeners)) c.addEventListener(type, fn);
    };
    const detach = (c) => {
      for (const [type, fn] of Object.entries(listeners)) c.removeEventListener(type, fn);
    };

    // As VueUse's: true when sent now; while not open, kept for the next open with
    // `useBuffer` (the client's queue; before a client exists, here) and false.
    const early = [];
    // (In the shared form nothing is kept here: the shared client's own queue applies.)
    const idle = () => client === null || (!shared && client.userClose);
    const flush = () => {
      for (const m of early.splice(0)) client.send(m);
    };
    function send(payload, useBuffer = true) {
      const open = client !== null && client.readyState === OPEN;
      if (!open && !useBuffer) return false;
      // No client, or closed (by `close()` or a null URL): kept here for the next open, as
      // VueUse does (the client itself discards sends after its close()).
      if (idle()) early.push(payload);
      else client.send(payload);
      record({ dir: 'out', data: payload, at: new Date(), queued: !open });
      return open;
    }

    if (shared) {
      // One shared client per key, for every component that asks for it.
      client = ResilientWebSocket.getInstance(urlOrOptions);
      ws.value = client;
      attach(client);
      sync();
      if (getCurrentScope()) {
        users.set(client, (users.get(client) ?? 0) + 1);
        onScopeDispose(() => {
          detach(client);
          const left = (users.get(client) ?? 1) - 1;
          if (left > 0) {
            users.set(client, left);
            return;
          }
          users.delete(client);
          // Only the client this component used, if it is still the registered one.
          if (opts.dispose) ResilientWebSocket.disposeInstance(keyOf(urlOrOptions), client);
        });
      }
      return {
        ...views,
        client,
        send,
        open: () => client.reconnect(),
        close: (...args) => client.close(...args),
        reconnect: () => client.reconnect(),
      };
    }

    // A client of this component's own, reading the current URL before each attempt.
    const config = clientOptions(opts);
    const protocols = opts.protocols ?? [];
    let current = urlOf(urlOrOptions);
    const create = () => {
      client = new ResilientWebSocket(() => current, protocols, config);
      ws.value = client;
      attach(client);
      sync();
      flush();
    };
    function open() {
      current = urlOf(urlOrOptions);
      if (current === null) return;
      if (client === null) create();
      else {
        client.reconnect();
        flush();
      }
    }
    function close(code = 1000, reason) {
      if (client !== null) client.close(code, reason);
    }
    if (opts.immediate !== false && current !== null) create();
    if (opts.autoConnect !== false && (isRef(urlOrOptions) || typeof urlOrOptions === 'function')) {
      watch(() => urlOf(urlOrOptions), (next) => {
        current = next;
        if (next === null) close();
        else if (client === null) create();
        else {
          // Closed, then the next socket (never two at once). `reconnect()` alone does
          // nothing while a socket is still connecting (`lockReconnect`).
          if (client.state !== 'closed') client.close(1000, 'url changed');
          client.reconnect();
          flush();
        }
      });
    }
    if (opts.autoClose !== false) {
      const unload = () => close();
      if (typeof window.addEventListener === 'function') window.addEventListener('beforeunload', unload);
      if (getCurrentScope()) {
        onScopeDispose(() => {
          if (typeof window.removeEventListener === 'function') window.removeEventListener('beforeunload', unload);
          close();
        });
      }
    }
    return { ...views, client, send, open, close, reconnect: open };
  };
}
