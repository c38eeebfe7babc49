// The page of tests/e2e/react-hook.mjs (bundled by esbuild with React, development build,
// and the package's `resilient-ws/react`): components that use the hook, mounted and
// changed by the test through window.lab.
import { StrictMode, createElement as h, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { ReadyState, useResilientWebSocket } from 'resilient-ws/react';

const seen = {}; // id -> what its last render saw
// Every socket the clients make, by URL path: the client's `WebSocket` option is this
// counting subclass of the native one.
const made = {};
const effects = {}; // id -> how often a mount effect ran (2 in StrictMode's development mount)
const closes = {}; // id -> onClose calls
const heard = {}; // id -> what onMessage got
const first = {}; // id -> readyState at its first render
class Counting extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    const path = new URL(url).pathname;
    made[path] = (made[path] ?? 0) + 1;
  }
}

function Socket({ id, url, options, connect }) {
  // `filterPrefix` (the test cannot pass a function): only messages starting with it.
  const { filterPrefix, ...rest } = options ?? {};
  if (filterPrefix) rest.filter = (m) => String(m.data).startsWith(filterPrefix);
  rest.onClose = () => (closes[id] = (closes[id] ?? 0) + 1);
  rest.onMessage = (e) => (heard[id] = [...(heard[id] ?? []), String(e.data)]);
  const r = useResilientWebSocket(url, { ...rest, WebSocket: Counting }, connect);
  if (!(id in first)) first[id] = r.readyState;
  useEffect(() => {
    effects[id] = (effects[id] ?? 0) + 1;
  }, []);
  // Every JSON message a render saw (the heartbeat's echoes replace lastMessage quickly).
  const jsons = seen[id]?.jsons ?? [];
  if (r.lastJsonMessage !== null && jsons[jsons.length - 1] !== r.lastJsonMessage) jsons.push(r.lastJsonMessage);
  seen[id] = { readyState: r.readyState, state: r.state, last: r.lastMessage?.data ?? null, json: r.lastJsonMessage, rtt: r.rtt, jsons };
  window.lab.send[id] = r.sendMessage;
  window.lab.sendJson[id] = r.sendJsonMessage;
  window.lab.socket[id] = r.getWebSocket;
  return h('p', { id }, `${id}: ${r.readyState === ReadyState.OPEN ? 'open' : r.state} ${r.lastMessage?.data ?? ''}`);
}

let setApp = null;
function App({ initial }) {
  const [items, set] = useState(initial);
  setApp = set;
  return h('div', null, items.map((p) => h(Socket, { key: p.id, ...p })));
}

const container = document.createElement('div');
document.body.append(container);
let root = null;

window.lab = {
  send: {},
  sendJson: {},
  socket: {},
  seen: () => JSON.parse(JSON.stringify(seen)),
  made: () => ({ ...made }),
  effects: () => ({ ...effects }),
  closes: () => ({ ...closes }),
  heard: () => JSON.parse(JSON.stringify(heard)),
  first: () => ({ ...first }),
  /** Mounts the app (in StrictMode or not) with these components, in its first render
   *  (StrictMode then unmounts and remounts the whole tree: every cleanup, then every
   *  effect). */
  mount(items, strict) {
    root = createRoot(container);
    const app = h(App, { initial: items });
    flushSync(() => root.render(strict ? h(StrictMode, null, app) : app));
  },
  /** Replaces the components (same id: new props; a missing id: unmounted). */
  set(items) {
    flushSync(() => setApp(items));
  },
  unmount() {
    flushSync(() => root.unmount());
    root = null;
  },
};
window.labReady = true;
