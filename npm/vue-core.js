// The composable itself, for the class of the entry that loaded it: `vue.js` (browsers and
// bundlers: `./index.js`) or `vue-node.js` (Node, e.g. server-side rendering: `./node.js`).
//
// useResilientWebSocket(urlOrOptions, { dispose }): one shared ResilientWebSocket per key
// (ResilientWebSocket.getInstance), seen through reactive refs. Each component that calls
// it is a user of the client from its setup until its effect scope ends (unmount, or a
// <Suspense> branch abandoned before it mounted; a <KeepAlive>-deactivated component stays
// a user). Users are counted from setup, not mount: inside <Suspense> the next page's setup
// runs before the old page unmounts, and must find the client alive. With `dispose: true`
// the client is closed and forgotten when the last user leaves, and only that client
// (`disposeInstance(key, client)`), never a newer one registered under the key meanwhile.
//
// During server-side rendering (no `window`/`document`, or Vue's SSR context) no client is
// created: the refs keep their initial state ('connecting', CONNECTING), `client` is null
// and the methods do nothing; the browser creates the client when it runs the setup.
import { getCurrentInstance, getCurrentScope, inject, onScopeDispose, ref, shallowRef, ssrContextKey } from 'vue';

const MAX_MESSAGES = 50;
const CONNECTING = 0;

// client -> how many live component scopes use it.
const users = new Map();

const show = (data) =>
  typeof data === 'string' ? data : `[binary ${data.size ?? data.byteLength} B]`;

const keyOf = (urlOrOptions) =>
  typeof urlOrOptions === 'string' || urlOrOptions instanceof URL
    ? String(urlOrOptions)
    : (urlOrOptions.key ?? urlOrOptions.url);

/** Whether this setup runs on a server: no DOM, or inside Vue's server renderer. */
function serverSide() {
  if (typeof window === 'undefined' || typeof document === 'undefined') return true;
  // renderToString provides the SSR context to the app (a DOM shim may define window).
  return getCurrentInstance() !== null && inject(ssrContextKey, null) != null;
}

export function makeUseResilientWebSocket(ResilientWebSocket) {
  return function useResilientWebSocket(urlOrOptions, { dispose = false } = {}) {
    const state = ref('connecting');
    const readyState = ref(CONNECTING);
    // Newest first: { dir: 'in' | 'out', data, at (Date), queued? }.
    const messages = ref([]);
    const lastMessage = shallowRef(null); // the last message received

    if (serverSide()) {
      const nothing = () => {};
      return { state, readyState, messages, lastMessage, send: nothing, close: nothing, reconnect: nothing, client: null };
    }

    const client = ResilientWebSocket.getInstance(
      urlOrOptions instanceof URL ? String(urlOrOptions) : urlOrOptions,
    );
    const record = (entry) => {
      messages.value = [entry, ...messages.value].slice(0, MAX_MESSAGES);
    };
    const sync = () => {
      state.value = client.state;
      readyState.value = client.readyState;
    };
    const onMessage = (e) => {
      lastMessage.value = { dir: 'in', data: show(e.data), at: new Date() };
      record(lastMessage.value);
    };
    const listeners = { statechange: sync, open: sync, close: sync, error: sync, message: onMessage };
    sync();

    // A user from now until the scope ends (outside any scope: listeners for good, and the
    // client is never disposed by this call).
    if (getCurrentScope()) {
      for (const [type, fn] of Object.entries(listeners)) client.addEventListener(type, fn);
      users.set(client, (users.get(client) ?? 0) + 1);
      onScopeDispose(() => {
        for (const [type, fn] of Object.entries(listeners)) client.removeEventListener(type, fn);
        const left = (users.get(client) ?? 1) - 1;
        if (left > 0) {
          users.set(client, left);
          return;
        }
        users.delete(client);
        // Only the client this component used, if it is still the registered one.
        if (dispose) ResilientWebSocket.disposeInstance(keyOf(urlOrOptions), client);
      });
    } else {
      for (const [type, fn] of Object.entries(listeners)) client.addEventListener(type, fn);
    }

    function send(data) {
      // Queued by the client while not open; sent on the next open.
      const queued = client.readyState !== ResilientWebSocket.OPEN;
      client.send(data);
      record({ dir: 'out', data: show(data), at: new Date(), queued });
    }

    return {
      state,
      readyState,
      messages,
      lastMessage,
      send,
      close: (...args) => client.close(...args),
      reconnect: () => client.reconnect(),
      client,
    };
  };
}
