// Loads the package and exposes it to tests driving the page (tests/e2e).
import init, { ResilientWebSocket, websocketClass } from '../../pkg/resilient_ws.js';

await init();
window.rws = { ResilientWebSocket, websocketClass };
window.rwsReady = true;
