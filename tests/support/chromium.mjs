// The Chromium every browser test and benchmark launches, with one set of flags: those in
// webdriver.json (which wasm-pack test hands to chromedriver), minus --headless (playwright
// sets its own). Running as root needs --no-sandbox; the closed network needs
// --disable-background-networking and friends.
import { readFileSync } from 'node:fs';

const config = JSON.parse(readFileSync(new URL('../../webdriver.json', import.meta.url), 'utf8'));

/** The browser binary (Debian's chromium; never a downloaded one). */
export const CHROMIUM = process.env.RWS_CHROMIUM || '/usr/bin/chromium';

/** Launch flags shared with webdriver.json. */
export const CHROMIUM_ARGS = config['goog:chromeOptions'].args.filter((a) => !a.startsWith('--headless'));
