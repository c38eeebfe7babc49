import WebSocket from 'ws';
import { ResilientWebSocket } from 'resilient-ws';

// The server's URL: the first command-line argument.
const ws = new ResilientWebSocket(process.argv[2], [], { WebSocket });
ws.onopen = () => ws.send('hello from node');
ws.onmessage = (e) => {
  console.log(e.data);
  ws.close();
};
