// `resilient-ws/react` in Node (the `node` export condition, e.g. server-side rendering):
// the hook (react-core.js) with the package's Node entry. A server render runs no effect,
// so the hook creates no client there.
import { ResilientWebSocket } from './node.js';
import { makeUseResilientWebSocket } from './react-core.js';

export const useResilientWebSocket = makeUseResilientWebSocket(ResilientWebSocket);
export const ReadyState = Object.freeze({ UNINSTANTIATED: -1, CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
