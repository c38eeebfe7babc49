// The platform glue of a shared client (src/shared.rs decides everything): one
// BroadcastChannel and one Web Lock of the same name. `cb(0, data)` gets every channel
// message; `cb(1)` when the lock is granted, `cb(2)` when it was taken (stolen).
// Nothing here calls Rust after `closeLink`.

/** Why a shared client cannot share here ('' if it can). */
export function sharedUnsupported() {
  if (typeof BroadcastChannel !== 'function') return 'BroadcastChannel is not available';
  if (typeof navigator === 'undefined' || !navigator.locks || typeof navigator.locks.request !== 'function') {
    return globalThis.isSecureContext === false
      ? 'the Web Locks API needs a secure context (https or localhost)'
      : 'the Web Locks API (navigator.locks) is not available';
  }
  return '';
}

let warned = false;
/** One console.warn per page for clients that asked to share and cannot. */
export function warnUnshared(reason) {
  if (warned) return;
  warned = true;
  console.warn(`ResilientWebSocket: option 'shared' ignored, each client opens its own socket: ${reason}`);
}

export function openLink(name, cb) {
  const link = { name, ch: new BroadcastChannel(name), cb, held: null, current: null, queued: null, closed: false };
  link.ch.onmessage = (e) => {
    if (!link.closed) cb(0, e.data);
  };
  return link;
}

/** Posts a message; one that cannot be cloned (a SharedArrayBuffer view) is reported. */
export function post(link, msg) {
  if (link.closed) return;
  try {
    link.ch.postMessage(msg);
  } catch (e) {
    (globalThis.reportError ?? console.error)(e);
  }
}

function withdraw(link) {
  if (link.queued !== null) {
    link.queued.abort();
    link.queued = null;
  }
}

/** Queues for the lock (`steal`: takes it from its holder at once). */
export function requestLock(link, steal) {
  if (link.closed) return;
  withdraw(link);
  const req = { held: false };
  let opts;
  if (steal) {
    opts = { steal: true };
  } else {
    const ctl = new AbortController();
    link.queued = ctl;
    opts = { signal: ctl.signal };
  }
  navigator.locks
    .request(link.name, opts, () => {
      if (link.closed) return undefined;
      if (link.queued !== null && link.queued.signal === opts.signal) link.queued = null;
      req.held = true;
      link.current = req;
      return new Promise((resolve) => {
        link.held = resolve;
        link.cb(1);
      });
    })
    .catch(() => {
      // Withdrawn while queued (ours), or stolen while held.
      if (req.held && link.current === req) {
        link.current = null;
        link.held = null;
        if (!link.closed) link.cb(2);
      }
    });
}

/** Releases the lock, or withdraws the queued request. */
export function releaseLock(link) {
  withdraw(link);
  if (link.held !== null) {
    const release = link.held;
    link.held = null;
    link.current = null;
    release();
  }
}

export function closeLink(link) {
  releaseLock(link);
  link.closed = true;
  link.ch.onmessage = null;
  link.ch.close();
}

/** The leader's relay of server messages, on the socket's message path (events.js). */
export function makeRelay(link, from) {
  return (data) => post(link, { v: 1, k: 'msg', f: from, d: data });
}
