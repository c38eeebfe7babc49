// `resilient-ws/vue` in Node (the `node` export condition, e.g. server-side rendering): the
// composable (vue-core.js) with the package's Node entry, which reads the `.wasm` from disk.
// While Vue renders on the server the composable creates no client.
import { ResilientWebSocket } from './node.js';
import { makeUseResilientWebSocket } from './vue-core.js';

export const useResilientWebSocket = makeUseResilientWebSocket(ResilientWebSocket);
