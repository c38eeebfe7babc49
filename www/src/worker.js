// A dedicated or shared worker that runs a ResilientWebSocket (tests/e2e: the client works
// where there is no `window` — no visibility, online/offline from `self`).
// Messages from the page: { url } starts a client; { send } sends; { close } closes.
// The worker reports every event to the page as { log: [...] }.
// 'resilient-ws/manual': the explicit init(), so that the worker's message handlers are
// installed at once (a shared worker's `connect` must not wait for the wasm to load).
import init, { ResilientWebSocket } from 'resilient-ws/manual';

const ready = init();
let ws = null;
const log = [];

function serve(port) {
  const report = () =>
    port.postMessage({ log: log.slice(), state: ws?.state ?? null, readyState: ws?.readyState ?? null, role: ws?.sharedRole ?? null });
  port.onmessage = async ({ data }) => {
    if (data.url) {
      await ready;
      ws = new ResilientWebSocket(data.url, [], { pingInterval: 300, pongTimeout: 2000, reconnectDelay: 200, ...data.options });
      log.push(`global:${typeof window === 'undefined' ? 'no-window' : 'window'}`);
      for (const ty of ['open', 'close', 'reconnecting', 'reconnect', 'heartbeat-timeout']) {
        ws.addEventListener(ty, () => {
          log.push(ty);
          report();
        });
      }
      ws.addEventListener('message', (e) => {
        if (e.data !== '{"request":"ping"}') log.push(`message:${e.data}`);
        else log.push('pong');
        report();
      });
    } else if (data.send !== undefined) {
      ws.send(data.send);
    } else if (data.close) {
      ws.close();
    }
    report();
  };
}

if (typeof self.onconnect !== 'undefined' || (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope)) {
  self.onconnect = (e) => serve(e.ports[0]);
} else {
  serve(self);
}
