// Page functions shared by the Chromium layer (tests/e2e/fuzz.mjs) and the Firefox/WebKit
// layer (tests/e2e/engines.mjs): each runs in a page that serves www/dist's fuzz.html and
// returns what the native socket and ours did, for the test to compare.

/** Propagation stopped by a capture listener at the target, every way to stop it, each
 *  event dispatched twice (and by a listener object); then each way applied before the
 *  first dispatch, and again between the dispatches; on the native socket and on ours. */
export function stopInCapturePass(url) {
  const RWS = window.rws.ResilientWebSocket;
  const ours = new RWS(url, undefined, { reconnect: false, pingInterval: 0, maxQueued: 0 });
  const native = new WebSocket(url);
  const stops = {
    stopPropagation: (e) => e.stopPropagation(),
    cancelBubble: (e) => { e.cancelBubble = true; },
    stopImmediatePropagation: (e) => e.stopImmediatePropagation(),
    secondTimeOnly: (e, n) => { if (n === 2) e.stopPropagation(); },
    none: () => {},
  };
  const run = (ws) => {
    const log = [];
    for (const [name, stop] of Object.entries(stops)) {
      let n = 0;
      const type = `x-${name}`;
      ws.addEventListener(type, () => log.push(`${name}:bubble`));
      ws.addEventListener(type, { handleEvent: (e) => { n++; log.push(`${name}:capture${n}`); stop(e, n); } }, true);
      ws.addEventListener(type, () => log.push(`${name}:capture-after`), { capture: true });
      const e = new Event(type);
      log.push(`${name}:${ws.dispatchEvent(e)}`);
      log.push(`${name}:${ws.dispatchEvent(e)}`);
      // Stopped before the first dispatch (the application's own call, not in a listener).
      const pre = new Event(`${type}-pre`);
      ws.addEventListener(pre.type, () => log.push(`${name}:pre-listener`));
      stop(pre, 2);
      log.push(`${name}:pre:${ws.dispatchEvent(pre)}`);
      log.push(`${name}:pre:${ws.dispatchEvent(pre)}`);
      // Stopped in a listener, then again by the application between two dispatches.
      const again = new Event(`${type}-again`);
      let k = 0;
      ws.addEventListener(again.type, (ev) => { k++; log.push(`${name}:again-listener${k}`); stop(ev, 2); });
      ws.dispatchEvent(again);
      stop(again, 2);
      log.push(`${name}:again:${ws.dispatchEvent(again)}`);
    }
    return log;
  };
  try {
    return { native: run(native), ours: run(ours) };
  } finally {
    native.close();
    ours.close();
  }
}
