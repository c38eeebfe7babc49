import WebSocket from 'ws';
import { ResilientWebSocket } from 'resilient-ws';

const ws = new ResilientWebSocket(process.argv[2], [], { WebSocket });
ws.onopen = () => ws.send('hello from node');
ws.onmessage = (e) => {
  console.log(e.data);
  ws.close();
};
