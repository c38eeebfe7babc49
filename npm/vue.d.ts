import type { Ref, ShallowRef } from 'vue';
import type {
  ResilientWebSocket,
  ResilientWebSocketData,
  ResilientWebSocketInstanceOptions,
} from './index.js';

/** One entry of `messages`: what went out or came in, newest first. */
export interface ResilientWebSocketMessage {
  /** `'in'`: received; `'out'`: sent. */
  dir: 'in' | 'out';
  /** The text, or `[binary N B]` for binary data. */
  data: string;
  /** When it was sent or received. */
  at: Date;
  /** For `out`: the client was not open, so the message waited in its queue. */
  queued?: boolean;
}

/** Options of the composable itself (not of the client). */
export interface UseResilientWebSocketOptions {
  /**
   * Close and forget the shared client (`ResilientWebSocket.disposeInstance(key, client)`)
   * when this component leaves (unmounts, or its `<Suspense>` branch is abandoned) and no
   * other component uses that client any more (default false: it stays open). Only the
   * client this component used is disposed, never a newer one registered under the key.
   */
  dispose?: boolean;
}

/** What `useResilientWebSocket` returns: reactive views of one shared client. */
export interface UseResilientWebSocketReturn {
  /**
   * The client's `state` ('connecting', 'open', 'waiting', …), reactive. During
   * server-side rendering it stays 'connecting' (no client exists there).
   */
  state: Ref<string>;
  /** The client's `readyState` (0–3), reactive; 0 (CONNECTING) during server-side rendering. */
  readyState: Ref<number>;
  /** The last 50 messages in and out, newest first. */
  messages: Ref<ResilientWebSocketMessage[]>;
  /** The last message received. */
  lastMessage: ShallowRef<ResilientWebSocketMessage | null>;
  /** Sends (queued by the client while it is not open; does nothing during server-side rendering). */
  send(data: ResilientWebSocketData): void;
  /**
   * `client.close(code?, reason?)`: closes the shared client for every component (does
   * nothing during server-side rendering).
   */
  close(code?: number, reason?: string): void;
  /** `client.reconnect()` (does nothing during server-side rendering). */
  reconnect(): void;
  /**
   * The shared client itself; `null` during server-side rendering, where the composable
   * creates no client and opens no socket (the browser creates it when it runs the setup,
   * at hydration or mount).
   */
  client: ResilientWebSocket | null;
}

/**
 * One shared `ResilientWebSocket` per URL or key (`ResilientWebSocket.getInstance`), seen
 * through reactive refs. The calling component uses the client from its setup until its
 * effect scope ends (unmount; a `<KeepAlive>`-deactivated component keeps it); its
 * listeners are removed then. Server-side rendering (no `window`/`document`, or Vue's SSR
 * context) creates no client: see `client`.
 * @example
 * const { state, lastMessage, send } = useResilientWebSocket({ url: 'wss://example.com/socket' }, { dispose: true });
 * watch(state, (s) => s === 'open' && send('hello'));
 */
export function useResilientWebSocket(
  urlOrOptions: string | URL | ResilientWebSocketInstanceOptions,
  options?: UseResilientWebSocketOptions,
): UseResilientWebSocketReturn;
