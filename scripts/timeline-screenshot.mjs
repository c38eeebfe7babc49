// The README's picture of the demo's timeline (docs/timeline.png): the demo in Chromium,
// a minute of pings, a server outage with sends queued meanwhile, the reconnect.
//
//   npm run build:www && RWS_STATIC_DIR=www/dist scripts/with-server node scripts/timeline-screenshot.mjs
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/support/chromium.mjs';

const HTTP = process.env.RWS_TEST_HTTP;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
await page.goto(`${HTTP}/?tag=timeline-shot`);
await page.waitForSelector('#timeline');
await sleep(16000); // three pings
await page.click('#kill');
await sleep(2000);
for (const m of ['while down 1', 'while down 2']) {
  await page.fill('#send-input', m);
  await page.click('#send');
  await sleep(1500);
}
await sleep(30000); // the outage (20 s) and the reconnects
const card = page.locator('section.card.wide');
await card.screenshot({ path: 'docs/timeline.png' });
await browser.close();
console.log('docs/timeline.png');
