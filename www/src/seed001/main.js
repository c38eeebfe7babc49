// Seed 001's calling code: a Vue-style component object handed to the
// singleton websocketClass, which calls `thatVue.openSuccess(this)` and
// `thatVue.getSocketMsg(this)` after every reconnect.
const log = [];
const counts = { openSuccess: 0, getSocketMsg: 0, opened: 0, received: 0 };
const show = (text) => {
  log.push({ at: performance.now(), text });
  document.querySelector('#log').textContent += `${new Date().toLocaleTimeString()} ${text}\n`;
  for (const [k, id] of [['openSuccess', 'open-success'], ['getSocketMsg', 'get-socket-msg'],
    ['opened', 'opened'], ['received', 'received']]) {
    document.querySelector(`#${id}`).textContent = counts[k];
  }
};
// Exposed for the e2e test (tests/e2e/run.mjs).
window.seed001 = { log, counts, socket: null, thatVue: null, error: null };

try {
  const { default: websocketClass } = await import('./websocket.js');
  const tag = new URLSearchParams(location.search).get('tag') ?? '';

  // ---- seed 001's users' code from here on ----
  // docs:begin seed-users-code (docs/migrating-from-websocketClass.md shows this part)
  websocketClass.configure({
    url: `ws://${location.host}/echo${tag ? `?tag=${encodeURIComponent(tag)}` : ''}`,
    pingInterval: 1000,
    pongTimeout: 500,
    reconnectDelay: 1000,
  });

  const thatVue = {
    // Called by websocketClass after each reconnect.
    openSuccess(ws) {
      counts.openSuccess++;
      show('thatVue.openSuccess(ws)');
      ws.onopenSuccess(() => this.onOpen(ws));
    },
    // Called by websocketClass after each reconnect: re-attach the handler.
    getSocketMsg(ws) {
      counts.getSocketMsg++;
      show('thatVue.getSocketMsg(ws)');
      ws.getWebSocketMsg((ev) => this.onMsg(ev));
    },
    onOpen(ws) {
      counts.opened++;
      show('connected');
      ws.websocketSendMsg('subscribe');
    },
    onMsg(ev) {
      counts.received++;
      show(`message: ${ev.data}`);
    },
  };

  const socket = new websocketClass(thatVue); // the singleton, created once
  socket.onopenSuccess(() => thatVue.onOpen(socket));
  socket.getWebSocketMsg((ev) => thatVue.onMsg(ev));

  document.querySelector('#send1').onclick = () => socket.websocketSendMsg('hello 1');
  document.querySelector('#send2').onclick = () => socket.webSocketSendMsg('hello 2');
  document.querySelector('#close-socket').onclick = () => socket.closeSocket();
  // docs:end seed-users-code
  // ---- end of seed 001's users' code ----

  window.seed001.thatVue = thatVue;
  window.seed001.socket = socket;
} catch (e) {
  window.seed001.error = String(e);
  const el = document.querySelector('#error');
  el.hidden = false;
  el.textContent = `Error: ${e}`;
  console.error(e);
}
