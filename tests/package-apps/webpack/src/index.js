import { ResilientWebSocket } from 'resilient-ws';

// The server's URL. Here: the page's ?ws= query (the test passes its echo server).
const url = new URLSearchParams(location.search).get('ws') ?? 'wss://example.com/socket';
const ws = new ResilientWebSocket(url, [], {
  pingInterval: 30000, // the defaults: ping every 30 s,
  pongTimeout: 5000, // drop the link if nothing answers within 5 s,
  reconnectDelay: 15000, // reconnect 15 s after a close you did not ask for
});
ws.onopen = () => ws.send('hello from webpack');
ws.onmessage = (e) => {
  document.body.textContent = e.data;
};
ws.addEventListener('reconnecting', (e) => console.log(`attempt ${e.attempt} in ${e.delay} ms`));
ws.addEventListener('heartbeat-timeout', () => console.log('the link was dead'));
