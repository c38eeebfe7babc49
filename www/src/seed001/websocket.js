// What seed 001's `utils/websocket.js` (which ended in
// `export default websocketClass;`) becomes with resilient-ws: the class now
// comes from the wasm package. Read through the namespace so this page still
// builds (and says what is missing) with a package that lacks the class.
import * as rws from 'resilient-ws';

if (typeof rws.websocketClass !== 'function') {
  throw new Error('pkg/resilient_ws.js does not export websocketClass (rebuild pkg: scripts/build)');
}

export default rws.websocketClass;
