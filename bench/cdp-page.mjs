// A page driven through a raw CDP session, in a browser context playwright
// does not manage.
//
// Why: every page playwright manages gets `Network.enable` on playwright's own
// CDP session, and with it a DevTools event per WebSocket frame
// (Network.webSocketFrameReceived/Sent, with the payload, base64 for binary)
// serialised in the renderer and shipped to Node. On this machine that halved
// the raw WebSocket's receive rate and doubled its ScriptDuration: the
// benchmark would measure playwright, not the clients. playwright-core still
// launches and owns the browser; the bench page lives in a separate browser
// context created over the browser CDP session, which playwright detaches from
// (it only attaches to contexts it created), and we attach to it with only
// the domains we need (Page, Runtime, Performance).
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function openPage(browser, url, { onError = () => {}, timeoutMs = 600000 } = {}) {
  const bs = await browser.newBrowserCDPSession();
  const { browserContextId } = await bs.send('Target.createBrowserContext', { disposeOnDetach: true });
  const { targetId } = await bs.send('Target.createTarget', { url: 'about:blank', browserContextId });
  // Non-flat session: messages go through Target.sendMessageToTarget, which
  // playwright's public CDPSession can carry.
  const { sessionId } = await bs.send('Target.attachToTarget', { targetId, flatten: false });
  let nextId = 0;
  let dead = null;
  const pending = new Map();
  const failAll = (why) => {
    dead = why;
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  bs.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message);
    if (m.id !== undefined) {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result);
    } else if (m.method === 'Runtime.exceptionThrown') {
      const d = m.params.exceptionDetails;
      onError(`exception: ${d.exception?.description?.split('\n')[0] ?? d.text}`);
    } else if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'warning')) {
      onError(`console.${m.params.type}: ${m.params.args.map((a) => a.value ?? a.description).join(' ')}`);
    } else if (m.method === 'Inspector.targetCrashed') {
      failAll('the bench page crashed');
    }
  });
  bs.on('Target.detachedFromTarget', (e) => {
    if (e.sessionId === sessionId) failAll('detached from the bench page');
  });

  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      if (dead) return reject(new Error(dead));
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer after ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer, method });
      bs.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e) => {
        pending.delete(id);
        clearTimeout(timer);
        reject(e);
      });
    });

  /** Like playwright's page.evaluate(fn, arg): awaits a returned promise, returns the value. */
  const evaluate = async (fn, arg) => {
    const expression = `(${fn})(${arg === undefined ? '' : JSON.stringify(arg)})`;
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(d.exception?.description?.split('\n')[0] ?? d.text);
    }
    return r.result.value;
  };

  await send('Runtime.enable');
  await send('Page.enable');
  await send('Page.navigate', { url });
  for (let i = 0; ; i++) {
    try {
      if (await evaluate(() => (window.bench ? window.bench.ready : false))) break;
    } catch {
      // navigating
    }
    if (i > 400) throw new Error(`${url} did not become ready in 20 s`);
    await sleep(50);
  }

  const close = async () => {
    await bs.send('Target.closeTarget', { targetId }).catch(() => {});
    await bs.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
    await bs.detach().catch(() => {});
  };
  return { evaluate, send, close };
}
