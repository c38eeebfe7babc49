// What the fuzz layers (tests/e2e/fuzz.mjs in Chromium, tests/e2e/engines.mjs in Firefox and
// WebKit) read from the environment:
//   RWS_FUZZ_SEED      the seed (default: a fixed one, so CI runs the same programs every time)
//   RWS_FUZZ_RUNS      programs per phase; overrides the defaults and lifts the time caps to an hour
//   RWS_FUZZ_TIME_S    time cap of each phase
//   RWS_FUZZ_SHRINK_S  time to shrink each failure
const env = (k) => (process.env[k] !== undefined && process.env[k] !== '' ? Number(process.env[k]) : null);

/** The seed the fuzzers run. */
export const FUZZ_SEED = env('RWS_FUZZ_SEED') !== null ? env('RWS_FUZZ_SEED') | 0 : 20261202;

const RUNS = env('RWS_FUZZ_RUNS');
const TIME_S = env('RWS_FUZZ_TIME_S');
const SHRINK_S = env('RWS_FUZZ_SHRINK_S');

/** A phase's budget for the page's runDifferential/runKeepAlive: the file's defaults
 *  `{ numRuns, timeS, shrinkS }`, overridden by the environment. */
export function fuzzBudget({ numRuns, timeS, shrinkS }) {
  return {
    numRuns: RUNS ?? numRuns,
    timeBudgetMs: 1000 * (TIME_S ?? (RUNS ? 3600 : timeS)),
    shrinkBudgetMs: 1000 * (SHRINK_S ?? shrinkS),
  };
}
