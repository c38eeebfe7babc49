// The React hook itself, for the class of the entry that loaded it: `react.js` (browsers
// and bundlers: `./index.js`) or `react-node.js` (Node, e.g. server-side rendering).
//
// useResilientWebSocket(url, options, connect = true): react-use-websocket's shape on top of
// a ResilientWebSocket. The component's state is read with useSyncExternalStore from a
// store of its own, fed by its client's events through its own `filter` (no tearing: one
// immutable snapshot per change). The client is made in
// an effect, never during render, so rendering on a server or twice (StrictMode) opens
// nothing; a cleanup closes it one task later unless the same component mounts again at
// once (StrictMode's mount, unmount, mount), so StrictMode opens one connection, not two.
// With `share: true`, every component with the same URL (and the same `shared`, `protocols`
// and `queryParams`) uses one client, closed when the last one unmounts.
import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';

const UNINSTANTIATED = -1;

// Options of the hook itself; every other key goes to the client.
const OWN = new Set([
  'share', 'filter', 'onOpen', 'onClose', 'onMessage', 'onError', 'onReconnectStop',
  'shouldReconnect', 'reconnectAttempts', 'reconnectInterval', 'retryOnError', 'heartbeat',
  'queryParams', 'protocols', 'fromSocketIO', 'skipAssert',
]);

const EMPTY = Object.freeze({
  readyState: UNINSTANTIATED,
  state: 'closed',
  lastMessage: null,
  lastJsonMessage: null,
  rtt: null,
  reconnectAttempt: 0,
  sharedRole: null,
});

const CONNECTING_SNAPSHOT = Object.freeze({ ...EMPTY, readyState: 0, state: 'connecting' });

/** The URL with `queryParams` appended (react-use-websocket's). */
function withQuery(url, params) {
  if (!params) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
  return u.toString();
}

/** react-use-websocket's options in the client's own. */
function clientOptions(o) {
  const c = {};
  for (const [k, v] of Object.entries(o)) if (!OWN.has(k)) c[k] = v;
  if (o.shouldReconnect) c.shouldReconnect = o.shouldReconnect;
  if (typeof o.reconnectAttempts === 'number') c.maxRetries = o.reconnectAttempts;
  if (typeof o.reconnectInterval === 'number') c.reconnectDelay = o.reconnectInterval;
  else if (o.reconnectInterval !== undefined) {
    throw new TypeError('reconnectInterval must be a number (use backoffFactor and maxReconnectDelay for a growing delay)');
  }
  const hb = o.heartbeat;
  if (hb === false) c.pingInterval = 0;
  else if (hb !== null && typeof hb === 'object') {
    if (hb.message !== undefined) c.pingMessage = hb.message;
    if (hb.returnMessage !== undefined) {
      c.pongMessage = hb.returnMessage;
      c.hidePongs ??= true;
    }
    if (hb.interval !== undefined) c.pingInterval = hb.interval;
    if (hb.timeout !== undefined) c.pongTimeout = hb.timeout;
  }
  return c;
}

/** A client, and the components (hooks) that use it: each hook has a store of its own
 *  (its snapshot and subscribers), fed by the client's events through its own `filter`. */
function makeEntry(ResilientWebSocket, url, protocols, config) {
  const client = new ResilientWebSocket(url, protocols, config);
  const entry = { client, users: 0, hooks: new Set() };
  // The fields every hook of the client shares (and, for a message, its own lastMessage).
  const base = () => ({
    readyState: client.readyState,
    state: client.state,
    reconnectAttempt: client.reconnectAttempt,
    sharedRole: client.sharedRole,
  });
  const update = (patch) => {
    const now = base();
    for (const h of entry.hooks) h.set({ ...now, ...patch });
  };
  const each = (f) => {
    for (const h of entry.hooks) f(h.opts.current);
  };
  entry.join = (h) => h.set({ ...EMPTY, ...base(), rtt: entry.rtt ?? null });
  client.addEventListener('statechange', () => update({}));
  client.addEventListener('open', (e) => {
    update({});
    each((o) => o.onOpen?.(e));
  });
  client.addEventListener('close', (e) => {
    update({});
    each((o) => o.onClose?.(e));
  });
  client.addEventListener('error', (e) => {
    update({});
    each((o) => o.onError?.(e));
  });
  client.addEventListener('message', (e) => {
    each((o) => o.onMessage?.(e));
    let json;
    const now = base();
    for (const h of entry.hooks) {
      const { filter } = h.opts.current;
      if (filter && !filter(e)) continue;
      if (json === undefined) {
        json = null;
        if (typeof e.data === 'string') {
          try {
            json = JSON.parse(e.data);
          } catch {
            json = null;
          }
        }
      }
      h.set({ ...now, lastMessage: e, lastJsonMessage: json });
    }
  });
  client.addEventListener('pong', (e) => {
    entry.rtt = e.rtt;
    update({ rtt: e.rtt });
  });
  client.addEventListener('reconnecting', () => update({}));
  client.addEventListener('reconnect-failed', (e) => {
    update({});
    each((o) => o.onReconnectStop?.(e.attempts));
  });
  return entry;
}

/** A hook's own store: one immutable snapshot per change, for useSyncExternalStore. */
function makeHookStore(opts) {
  const h = { opts, snapshot: EMPTY, subscribers: new Set() };
  h.leaving = false; // released: it hears its client's last close, its state stays reset
  h.set = (patch) => {
    if (h.leaving) return;
    h.snapshot = Object.freeze({ ...h.snapshot, ...patch });
    for (const cb of h.subscribers) cb();
  };
  h.reset = () => {
    h.snapshot = EMPTY;
    for (const cb of h.subscribers) cb();
  };
  h.subscribe = (cb) => {
    h.subscribers.add(cb);
    return () => h.subscribers.delete(cb);
  };
  h.get = () => h.snapshot;
  return h;
}

/** Moves `client` to the URL its URL function now gives: its socket is closed, then the
 *  next one opens (never two at once). `reconnect()` alone does nothing while a socket is
 *  still connecting (`lockReconnect`), which would keep the old URL. */
export function switchUrl(client) {
  if (client.state !== 'closed') client.close(1000, 'url changed');
  client.reconnect();
}

// Shared clients by key (share: true).
const shared = new Map();

export function makeUseResilientWebSocket(ResilientWebSocket) {
  return function useResilientWebSocket(url, options = {}, connect = true) {
    const opts = options ?? {};
    const latest = useRef(opts);
    latest.current = opts;
    const entryRef = useRef(null);
    const storeRef = useRef(null);
    const releasing = useRef(null); // { entry, timer, release } while a cleanup's release waits
    if (storeRef.current === null) {
      storeRef.current = makeHookStore(latest);
      // With a URL, the first render says CONNECTING, as react-use-websocket's does.
      if (connect && url !== null && url !== undefined) storeRef.current.snapshot = CONNECTING_SNAPSHOT;
    }
    const store = storeRef.current;
    const earlyRef = useRef(null);
    if (earlyRef.current === null) earlyRef.current = [];
    const early = earlyRef.current; // sends made while there was no client

    const target = connect && url !== null && url !== undefined ? url : null;
    const protocols = opts.protocols ?? [];
    const key = target === null ? null : JSON.stringify([
      typeof target === 'function' ? null : withQuery(String(target), opts.queryParams),
      protocols,
      !!opts.shared,
    ]);
    // A function URL (react-use-websocket: sync or a Promise) is called before every
    // attempt by the client itself; a string is read from here, so a change of it
    // reconnects the one client in place (the old socket closes before the next opens).
    const urlNow = useRef(null);
    urlNow.current = target;
    const share = !!opts.share;

    useEffect(() => {
      if (target === null) return undefined;
      const resolve = () => {
        const u = urlNow.current;
        if (u === null) return '';
        if (typeof u === 'function') {
          return Promise.resolve(u()).then((v) => withQuery(String(v), latest.current.queryParams));
        }
        return withQuery(String(u), latest.current.queryParams);
      };
      // This component's own release still pending (its cleanup ran a moment ago)?
      const pending = releasing.current;
      releasing.current = null;
      let entry = entryRef.current;
      let cancelled = false;
      let waitingFor = null; // a client this component closed, whose close comes first
      const attach = () => {
        waitingFor = null;
        if (cancelled) return;
        if (share && typeof target !== 'function') {
          entry = shared.get(key);
          if (entry === undefined) {
            entry = makeEntry(ResilientWebSocket, withQuery(String(target), opts.queryParams), protocols, clientOptions(opts));
            entry.key = key;
            shared.set(key, entry);
          }
        } else {
          entry = makeEntry(ResilientWebSocket, resolve, protocols, clientOptions(opts));
          entry.ownKey = key;
        }
        entry.users++;
        store.leaving = false;
        entry.hooks.add(store);
        entryRef.current = entry;
        entry.join(store);
        // Sends made before there was a client (react-use-websocket keeps them).
        for (const m of early.splice(0)) entry.client.send(m);
      };
      const keep = pending !== null && pending.entry === entry && (entry.key === undefined ? !share : entry.key === key);
      if (keep) {
        // Mounted again at once (StrictMode), or a new URL for this component's own
        // client: keep the client; a new URL reconnects it in place.
        clearTimeout(pending.timer);
        if (entry.key === undefined && entry.ownKey !== key) {
          entry.ownKey = key;
          switchUrl(entry.client);
        }
      } else {
        // The old client goes now; if that closed it, the next one opens after its close
        // (never two connections at once).
        const closed = pending === null ? null : pending.release();
        entry = null;
        if (closed && closed.readyState !== 3) {
          waitingFor = closed;
          closed.addEventListener('close', attach, { once: true });
        } else {
          attach();
        }
      }
      return () => {
        cancelled = true;
        if (waitingFor !== null) {
          waitingFor.removeEventListener('close', attach);
          return;
        }
        const en = entry;
        if (en === null) return;
        // Released one task later, so that an immediate re-mount (StrictMode) keeps the
        // client. Each component has its own pending release (two components sharing a
        // client each cancel their own). Returns the client if this closed it.
        const release = () => {
          if (releasing.current === p) releasing.current = null;
          clearTimeout(p.timer);
          en.users--;
          if (entryRef.current === en) {
            entryRef.current = null;
            store.reset();
          }
          if (en.users > 0) {
            en.hooks.delete(store);
            return null;
          }
          if (en.key !== undefined && shared.get(en.key) === en) shared.delete(en.key);
          // This component still hears the close it caused (onClose), as with
          // react-use-websocket; its state is already reset.
          store.leaving = true;
          en.client.addEventListener('close', () => en.hooks.delete(store), { once: true });
          en.client.close();
          return en.client;
        };
        const p = { entry: en, release, timer: setTimeout(() => release(), 0) };
        releasing.current = p;
      };
      // The client's options are read when it is made; a new URL key makes a new one.
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [key, share]);

    const snapshot = useSyncExternalStore(store.subscribe, store.get, () => EMPTY);

    const sendMessage = useCallback(
      (message, keep = true) => {
        const c = entryRef.current?.client;
        if (c && c.readyState === 1) c.send(message);
        else if (!keep) return;
        // While not open: the client's queue; with no client yet (no URL, before the
        // effect), kept here for the next one.
        else if (c && c.state !== 'closed') c.send(message);
        else early.push(message);
      },
      [],
    );
    const sendJsonMessage = useCallback((value, keep = true) => sendMessage(JSON.stringify(value), keep), [sendMessage]);
    const getWebSocket = useCallback(() => entryRef.current?.client ?? null, []);

    return {
      sendMessage,
      sendJsonMessage,
      lastMessage: snapshot.lastMessage,
      lastJsonMessage: snapshot.lastJsonMessage,
      readyState: snapshot.readyState,
      state: snapshot.state,
      rtt: snapshot.rtt,
      reconnectAttempt: snapshot.reconnectAttempt,
      sharedRole: snapshot.sharedRole,
      getWebSocket,
    };
  };
}
