import type { MaybeRefOrGetter, Ref, ShallowRef } from 'vue';
import type {
  ResilientWebSocket,
  ResilientWebSocketData,
  ResilientWebSocketInstanceOptions,
  ResilientWebSocketOptions,
} from './index.js';

/** One entry of `messages`: what went out or came in, newest first. */
export interface ResilientWebSocketMessage {
  /** `'in'`: received; `'out'`: sent. */
  dir: 'in' | 'out';
  /** The data as it was sent or received (a string, `ArrayBuffer`, `Blob` or view). */
  data: string | ArrayBuffer | Blob | ArrayBufferView;
  /** When it was sent or received. */
  at: Date;
  /** For `out`: the client was not open, so the message waited for the next open. */
  queued?: boolean;
}

/** Options of the shared form (`useResilientWebSocket({ url, … }, { dispose })`). */
export interface UseResilientWebSocketOptions {
  /**
   * Close and forget the shared client (`ResilientWebSocket.disposeInstance(key, client)`)
   * when this component leaves (unmounts, or its `<Suspense>` branch is abandoned) and no
   * other component uses that client any more (default false: it stays open). Only the
   * client this component used is disposed, never a newer one registered under the key.
   */
  dispose?: boolean;
  /** How many messages `messages` keeps, in and out (default 50; 0 keeps none). */
  maxMessages?: number;
}

/** VueUse's `heartbeat` option: `true` (our default heartbeat), `false` (none), or this. */
export interface UseResilientWebSocketHeartbeat {
  /** The ping (`pingMessage`). */
  message?: string | ArrayBuffer | ArrayBufferView | null;
  /** The pong (`pongMessage`); it is kept from `data` and `onMessage` (`hidePongs`). */
  responseMessage?: string | ArrayBuffer | ArrayBufferView;
  /** `pingInterval`, in ms. */
  interval?: number;
  /** `pongTimeout`, in ms. */
  pongTimeout?: number;
}

/** VueUse's `autoReconnect` option: `true` (our default reconnect), `false` (none), or this. */
export interface UseResilientWebSocketAutoReconnect {
  /** Give up after this many attempts (`maxRetries`), or ask per attempt (from 1). */
  retries?: number | ((retried: number) => boolean);
  /** The delay before a reconnect, in ms (`reconnectDelay`; a function is not supported). */
  delay?: number;
  /** Called when the retries are used up (`reconnect-failed`). */
  onFailed?: () => void;
}

/**
 * Options of the VueUse form (`useResilientWebSocket(url, options)`): VueUse's own, and
 * every option of the client (`pingInterval`, `reconnectDelay`, `shared`, …).
 */
export interface UseResilientWebSocketOwnOptions extends ResilientWebSocketOptions {
  /** Connect at once (default true); otherwise on `open()`. */
  immediate?: boolean;
  /** Reconnect when the URL (a ref or getter) changes (default true). */
  autoConnect?: boolean;
  /** Close when the effect scope ends (unmount) and on `beforeunload` (default true). */
  autoClose?: boolean;
  /** Subprotocols for every attempt. */
  protocols?: string | string[];
  /** See {@link UseResilientWebSocketHeartbeat}. Default: our heartbeat (30 s / 5 s). */
  heartbeat?: boolean | UseResilientWebSocketHeartbeat;
  /** See {@link UseResilientWebSocketAutoReconnect}. Default: our reconnect (15 s). */
  autoReconnect?: boolean | UseResilientWebSocketAutoReconnect;
  /** Each `open` (the first socket and each reconnected one). */
  onConnected?: (ws: ResilientWebSocket) => void;
  /** Each `close`. */
  onDisconnected?: (ws: ResilientWebSocket, event: CloseEvent) => void;
  /** Each `error`. */
  onError?: (ws: ResilientWebSocket, event: Event) => void;
  /** Each message (pongs hidden by `heartbeat.responseMessage` excepted). */
  onMessage?: (ws: ResilientWebSocket, event: MessageEvent) => void;
  /** How many messages `messages` keeps, in and out (default 50; 0 keeps none). */
  maxMessages?: number;
}

/** What `useResilientWebSocket` returns: reactive views of one client. `T`: the type of
 *  `lastJson`. */
export interface UseResilientWebSocketReturn<T = unknown> {
  /**
   * The client's `state` ('connecting', 'open', 'waiting', 'closing', 'closed'), reactive.
   * During server-side rendering it stays as the first render in the browser will show it.
   */
  state: Ref<string>;
  /** The client's `readyState` (0–3), reactive. */
  readyState: Ref<number>;
  /** VueUse's status: 'CONNECTING', 'OPEN' or 'CLOSED' (CLOSING and waiting count as closed). */
  status: Ref<'CONNECTING' | 'OPEN' | 'CLOSED'>;
  /** The last message's data, as the browser gave it (string, `ArrayBuffer` or `Blob`). */
  data: ShallowRef<string | ArrayBuffer | Blob | null>;
  /** The last message parsed as JSON (null when it was not JSON text). */
  lastJson: ShallowRef<T | null>;
  /** The last message received, as an entry of `messages`. */
  lastMessage: ShallowRef<ResilientWebSocketMessage | null>;
  /** The last `maxMessages` messages in and out, newest first. */
  messages: Ref<ResilientWebSocketMessage[]>;
  /** The round-trip time of the last answered ping, in ms (null before the first). */
  rtt: Ref<number | null>;
  /** Failed attempts since the last open (the current attempt while waiting). */
  reconnectAttempt: Ref<number>;
  /** While a reconnect waits: its delay in ms (null otherwise). */
  reconnectDelay: Ref<number | null>;
  /** With `shared: true`: 'leader' or 'follower' (null otherwise). */
  sharedRole: Ref<'leader' | 'follower' | null>;
  /** The client (VueUse's `ws`): null before the first connection and during SSR. */
  ws: ShallowRef<ResilientWebSocket | null>;
  /**
   * Sends `data`: true when sent now. While not open it waits for the next open and
   * `false` is returned (with `useBuffer: false` it is dropped). Does nothing during SSR.
   */
  send(data: ResilientWebSocketData, useBuffer?: boolean): boolean;
  /** Connects, or reconnects at once (VueUse's `open`). */
  open(): void;
  /** `client.close(code?, reason?)`: closes for good, until `open()`. */
  close(code?: number, reason?: string): void;
  /** The same as `open()`. */
  reconnect(): void;
  /** The client this call started with (null with `immediate: false`, and during SSR). */
  client: ResilientWebSocket | null;
}

/**
 * VueUse's `useWebSocket` shape: the component owns a client. `url` may be a ref or a
 * getter: a change closes the socket, then opens the next (never two at once); `null` or
 * `undefined` disconnects. Nothing is created during server-side rendering.
 * @example
 * const url = ref('wss://example.com/socket');
 * const { status, data, send, rtt } = useResilientWebSocket(url, { onConnected: () => send('hi') });
 */
export function useResilientWebSocket<T = unknown>(
  url: MaybeRefOrGetter<string | URL | null | undefined>,
  options?: UseResilientWebSocketOwnOptions,
): UseResilientWebSocketReturn<T>;

/**
 * One shared `ResilientWebSocket` per URL or key (`ResilientWebSocket.getInstance`), seen
 * through reactive refs. The calling component uses the client from its setup until its
 * effect scope ends (unmount; a `<KeepAlive>`-deactivated component keeps it); its
 * listeners are removed then. Server-side rendering creates no client.
 * @example
 * const { state, lastMessage, send } = useResilientWebSocket({ url: 'wss://example.com/socket' }, { dispose: true });
 * watch(state, (s) => s === 'open' && send('hello'));
 */
export function useResilientWebSocket<T = unknown>(
  options: ResilientWebSocketInstanceOptions,
  composableOptions?: UseResilientWebSocketOptions,
): UseResilientWebSocketReturn<T>;
