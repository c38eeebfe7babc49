// `resilient-ws/react` for browsers and bundlers: the hook (react-core.js) with the
// package's browser entry. Node (server-side rendering) gets react-node.js instead.
import { ResilientWebSocket } from './index.js';
import { makeUseResilientWebSocket } from './react-core.js';

export const useResilientWebSocket = makeUseResilientWebSocket(ResilientWebSocket);
export const ReadyState = Object.freeze({ UNINSTANTIATED: -1, CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
