// A fresh Vite + React app using resilient-ws/react (no JSX, so no Vite plugin): two
// components share one socket (`share: true`) inside <StrictMode>; the test changes their
// URLs and unmounts the app through window.setUrls / window.unmountApp.
import { StrictMode, createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { ReadyState, useResilientWebSocket } from 'resilient-ws/react';

const ws = new URLSearchParams(location.search).get('ws');

function Feed({ id, url }) {
  const { readyState, lastMessage, sendMessage } = useResilientWebSocket(url, {
    share: true,
    onOpen: () => sendMessage(`hello from ${id}`),
  });
  const text = readyState === ReadyState.OPEN ? `open ${lastMessage?.data ?? ''}` : `state ${readyState}`;
  return h('p', { id }, text.trim());
}

function App() {
  const [urls, setUrls] = useState({ a: ws, b: ws });
  window.setUrls = (next) => flushSync(() => setUrls(next));
  return h('div', null, h(Feed, { id: 'a', url: urls.a }), h(Feed, { id: 'b', url: urls.b }));
}

const root = createRoot(document.getElementById('app'));
root.render(h(StrictMode, null, h(App)));
window.unmountApp = () => root.unmount();
