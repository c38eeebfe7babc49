import { ResilientWebSocket } from 'resilient-ws';

const ws = new ResilientWebSocket(new URLSearchParams(location.search).get('ws'));
ws.onopen = () => ws.send('hello from webpack');
ws.onmessage = (e) => {
  document.body.textContent = e.data;
};
