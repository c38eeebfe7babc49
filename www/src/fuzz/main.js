// The randomized-test page (www/fuzz.html), driven by tests/e2e/fuzz.mjs:
//   window.runDifferential({ seed, numRuns, base, http, compare? })
//   window.runKeepAlive({ seed, numRuns, base, http })
// Each returns a JSON-able report { ok, numRuns, seed, counterexample?, shrunkProgram?, error?, … }.
// common.js must be evaluated first: it replaces the global WebSocket by an instrumented one.
import { toJsonable } from './common.js';
import { runDifferential, runDifferentialProgram } from './differential.js';
import { runKeepAlive } from './keepalive.js';
import { ResilientWebSocket } from 'resilient-ws';

const status = document.getElementById('status');
const wrap = (name, run) => async (opts = {}) => {
  status.textContent = `${name}: running (seed ${opts.seed})…`;
  let report;
  try {
    report = await run({ ...opts, RWS: ResilientWebSocket });
  } catch (e) {
    report = { ok: false, seed: opts.seed, numRuns: 0, error: `${e && e.name}: ${e && e.message}\n${(e && e.stack) || ''}` };
  }
  status.textContent = `${name}: ${report.ok ? 'ok' : 'FAILED'} (${report.numRuns} programs)`;
  return toJsonable(report);
};

window.runDifferential = wrap('differential', runDifferential);
window.runKeepAlive = wrap('keep-alive', runKeepAlive);
// For reproducing a report's program by hand: runDifferentialProgram({ program, base, compare? }).
window.runDifferentialProgram = (opts) => runDifferentialProgram({ ...opts, RWS: ResilientWebSocket }).then(toJsonable);
window.rws = { ResilientWebSocket }; // for poking at it by hand
window.fuzzReady = true;
status.textContent = 'ready';
