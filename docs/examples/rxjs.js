import { webSocket } from 'rxjs/webSocket';
import { AppSocket } from './app-socket.js';

// RxJS's WebSocketSubject on our class: JSON in, JSON out.
export function rxSocket(url) {
  return webSocket({ url, WebSocketCtor: AppSocket });
}
