// Loads the package and exposes it to tests driving the page (tests/e2e).
import { ResilientWebSocket, websocketClass } from 'resilient-ws';

window.rws = { ResilientWebSocket, websocketClass };
window.rwsReady = true;

/** Starts a client in a dedicated or shared worker (tests/e2e). Resolves with the worker's
 *  port; `window.workerLog[kind]` holds its latest report. */
window.workerLog = {};
window.startWorker = (kind, url, options) => {
  const w =
    kind === 'shared'
      ? new SharedWorker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'rws-test' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const port = kind === 'shared' ? w.port : w;
  port.onmessage = ({ data }) => {
    window.workerLog[kind] = data;
  };
  port.postMessage({ url, options });
  window.workers = { ...(window.workers || {}), [kind]: port };
};
