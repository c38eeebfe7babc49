// Waiting helpers shared by the Node-driven test layers (tests/e2e/*.mjs).
import assert from 'node:assert/strict';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const describe = (v) => (v instanceof Error ? v.message : JSON.stringify(v));

/** Polls `fn` until it returns a truthy value (a throw counts as "not yet") and returns
 *  that value; fails after `timeout` ms with the last value or error. */
export async function until(what, fn, timeout = 10000, every = 50) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeout} ms waiting for ${what} (last: ${describe(last)})`);
    }
    await sleep(every);
  }
}

/** The test server's connection counters for `tag` (`open`, `accepted`, `max_open`, `refused`). */
export async function serverStats(http, tag) {
  const res = await fetch(`${http}/control/stats?tag=${encodeURIComponent(tag)}`);
  assert.equal(res.status, 200, 'GET /control/stats');
  return res.json();
}
