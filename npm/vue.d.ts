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
   * Close and forget the shared client (`ResilientWebSocket.disposeInstance`) when the last
   * component that uses it with `dispose: true` unmounts (default false: it stays open).
   */
  dispose?: boolean;
}

/** What `useResilientWebSocket` returns: reactive views of one shared client. */
export interface UseResilientWebSocketReturn {
  /** The client's `state` ('connecting', 'open', 'waiting', …), reactive. */
  state: Ref<string>;
  /** The client's `readyState` (0–3), reactive. */
  readyState: Ref<number>;
  /** The last 50 messages in and out, newest first. */
  messages: Ref<ResilientWebSocketMessage[]>;
  /** The last message received. */
  lastMessage: ShallowRef<ResilientWebSocketMessage | null>;
  /** Sends (queued by the client while it is not open). */
  send(data: ResilientWebSocketData): void;
  /** `client.close(code?, reason?)`: closes the shared client for every component. */
  close(code?: number, reason?: string): void;
  /** `client.reconnect()`. */
  reconnect(): void;
  /** The shared client itself. */
  client: ResilientWebSocket;
}

/**
 * One shared `ResilientWebSocket` per URL or key (`ResilientWebSocket.getInstance`), seen
 * through reactive refs; listeners are added on mount and removed on unmount.
 * @example
 * const { state, lastMessage, send } = useResilientWebSocket({ url: 'wss://example.com/socket' }, { dispose: true });
 * watch(state, (s) => s === 'open' && send('hello'));
 */
export function useResilientWebSocket(
  urlOrOptions: string | URL | ResilientWebSocketInstanceOptions,
  options?: UseResilientWebSocketOptions,
): UseResilientWebSocketReturn;
