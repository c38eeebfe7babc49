// `resilient-ws/vue` for browsers and bundlers: the composable (vue-core.js) with the
// package's browser entry. Node (server-side rendering) gets vue-node.js instead.
import { ResilientWebSocket } from './index.js';
import { makeUseResilientWebSocket } from './vue-core.js';

export const useResilientWebSocket = makeUseResilientWebSocket(ResilientWebSocket);
