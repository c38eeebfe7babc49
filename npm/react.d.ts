import type { ResilientWebSocket, ResilientWebSocketData, ResilientWebSocketOptions } from './index.js';

/** react-use-websocket's `ReadyState`: the socket's `readyState`, and -1 with no socket. */
export declare const ReadyState: {
  /** No socket: the URL is null or `connect` is false (or during a server render). */
  readonly UNINSTANTIATED: -1;
  /** Connecting. */
  readonly CONNECTING: 0;
  /** Open. */
  readonly OPEN: 1;
  /** Closing. */
  readonly CLOSING: 2;
  /** Closed (also while a reconnect waits: see `state`). */
  readonly CLOSED: 3;
};

/** react-use-websocket's `heartbeat` option: `true` (our default heartbeat), `false`, or this. */
export interface UseResilientWebSocketHeartbeat {
  /** The ping (`pingMessage`). */
  message?: string | ArrayBuffer | ArrayBufferView | null;
  /** The pong (`pongMessage`); it is kept from `lastMessage` and `onMessage` (`hidePongs`). */
  returnMessage?: string | ArrayBuffer | ArrayBufferView;
  /** How long to wait for the pong (`pongTimeout`), in ms. */
  timeout?: number;
  /** `pingInterval`, in ms. */
  interval?: number;
}

/** The hook's options: react-use-websocket's, and every option of the client. */
export interface UseResilientWebSocketOptions extends Omit<ResilientWebSocketOptions, 'shouldReconnect'> {
  /** One client for every component with this URL (and `protocols`, `queryParams`, `shared`); closed when the last unmounts. */
  share?: boolean;
  /** Only messages it accepts update `lastMessage`/`lastJsonMessage` (and re-render). */
  filter?: (message: MessageEvent) => boolean;
  /** Each `open`. */
  onOpen?: (event: Event) => void;
  /** Each `close`. */
  onClose?: (event: CloseEvent) => void;
  /** Each message (before `filter`). */
  onMessage?: (event: MessageEvent) => void;
  /** Each `error`. */
  onError?: (event: Event) => void;
  /** The reconnect attempts are used up (`reconnectAttempts`). */
  onReconnectStop?: (attempts: number) => void;
  /** Decide per close whether to reconnect (the client's `shouldReconnect`). Default: reconnect. */
  shouldReconnect?: (event: CloseEvent) => boolean;
  /** Give up after this many attempts (`maxRetries`). */
  reconnectAttempts?: number;
  /** The delay before a reconnect, in ms (`reconnectDelay`; a function is not supported). */
  reconnectInterval?: number;
  /** Accepted for react-use-websocket's sake: the client reconnects after errors anyway. */
  retryOnError?: boolean;
  /** See {@link UseResilientWebSocketHeartbeat}. Default: our heartbeat (30 s / 5 s). */
  heartbeat?: boolean | UseResilientWebSocketHeartbeat;
  /** Appended to the URL's query. */
  queryParams?: Record<string, string | number>;
  /** Subprotocols for every attempt. */
  protocols?: string | string[];
}

/** What the hook returns. `T`: the type of `lastJsonMessage`. */
export interface UseResilientWebSocketResult<T = unknown> {
  /** Sends `message`; while not open it waits for the next open unless `keep` is false. */
  sendMessage(message: ResilientWebSocketData, keep?: boolean): void;
  /** `sendMessage(JSON.stringify(value), keep)`. */
  sendJsonMessage(value: unknown, keep?: boolean): void;
  /** The last message that passed `filter`. */
  lastMessage: MessageEvent | null;
  /** It, parsed as JSON (null when it was not JSON text). */
  lastJsonMessage: T | null;
  /** The socket's `readyState`, or -1 (`ReadyState.UNINSTANTIATED`) with no client. */
  readyState: number;
  /** The client's `state` ('connecting', 'open', 'waiting', 'closing', 'closed'). */
  state: string;
  /** The round-trip time of the last answered ping, in ms (null before the first). */
  rtt: number | null;
  /** Failed attempts since the last open. */
  reconnectAttempt: number;
  /** With `shared: true` (one socket for all tabs): 'leader' or 'follower'. */
  sharedRole: 'leader' | 'follower' | null;
  /** The client, or null (no URL, `connect` false, before the first effect). */
  getWebSocket(): ResilientWebSocket | null;
}

/**
 * react-use-websocket's `useWebSocket` shape on a `ResilientWebSocket`. `url` may be a
 * string, a function returning one (or a Promise of one; called before every attempt), or
 * `null` (no connection); `connect: false` too. The client is made in an effect: nothing is
 * opened while rendering on a server, and StrictMode's double mount opens one connection.
 * @example
 * const { sendJsonMessage, lastJsonMessage, readyState, rtt } = useResilientWebSocket<{ price: number }>(url, { share: true });
 */
export function useResilientWebSocket<T = unknown>(
  url: string | (() => string | Promise<string>) | null,
  options?: UseResilientWebSocketOptions,
  connect?: boolean,
): UseResilientWebSocketResult<T>;
