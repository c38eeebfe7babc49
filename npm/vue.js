// useResilientWebSocket(urlOrOptions, { dispose }): one shared ResilientWebSocket per key
// (ResilientWebSocket.getInstance), seen through reactive refs. Components that pass the
// same URL/key share the socket; each adds its own listeners on mount and removes them on
// unmount. With `{ dispose: true }` the shared client is closed and forgotten when the last
// component using it (with that option) unmounts.
import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue';
import { ResilientWebSocket } from './index.js';

const MAX_MESSAGES = 50;

// client -> how many mounted components use it (only counted with `dispose: true`).
const users = new Map();

const show = (data) =>
  typeof data === 'string' ? data : `[binary ${data.size ?? data.byteLength} B]`;

const keyOf = (urlOrOptions) =>
  typeof urlOrOptions === 'string' || urlOrOptions instanceof URL
    ? String(urlOrOptions)
    : (urlOrOptions.key ?? urlOrOptions.url);

export function useResilientWebSocket(urlOrOptions, { dispose = false } = {}) {
  const client = ResilientWebSocket.getInstance(
    urlOrOptions instanceof URL ? String(urlOrOptions) : urlOrOptions,
  );
  const state = ref(client.state);
  const readyState = ref(client.readyState);
  // Newest first: { dir: 'in' | 'out', data, at (Date), queued? }.
  const messages = ref([]);
  const lastMessage = shallowRef(null); // the last message received

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

  onMounted(() => {
    for (const [type, fn] of Object.entries(listeners)) client.addEventListener(type, fn);
    if (dispose) users.set(client, (users.get(client) ?? 0) + 1);
    sync();
  });
  onBeforeUnmount(() => {
    for (const [type, fn] of Object.entries(listeners)) client.removeEventListener(type, fn);
    if (!dispose) return;
    const left = (users.get(client) ?? 1) - 1;
    if (left > 0) {
      users.set(client, left);
    } else {
      users.delete(client);
      ResilientWebSocket.disposeInstance(keyOf(urlOrOptions));
    }
  });

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
}
