// useResilientWebSocket(urlOrOptions): one shared ResilientWebSocket per key
// (ResilientWebSocket.getInstance), seen through reactive refs. Components
// that pass the same URL/key share the socket; each registers its own
// listeners on mount and removes them on unmount. Call after `await init()`.
import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue';
import { ResilientWebSocket } from '../../pkg/resilient_ws.js';

const MAX_MESSAGES = 50;

const show = (data) =>
  typeof data === 'string' ? data : `[binary ${data.size ?? data.byteLength} B]`;

export function useResilientWebSocket(urlOrOptions) {
  const client = ResilientWebSocket.getInstance(urlOrOptions);
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
    sync();
  });
  onBeforeUnmount(() => {
    for (const [type, fn] of Object.entries(listeners)) client.removeEventListener(type, fn);
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
