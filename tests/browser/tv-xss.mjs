// Hostile names on the TV screens: a paired TV whose station, a roster member and a film are
// all named HOSTILE (`<img src=x onerror=alert(1)>`) opens home, the film page, search and
// the after-film sign-in screen. On each: the name must be visible as text, no element may
// have been made from it, and no dialog may fire. Driven by tests/api/tv_xss.rs.
//
//   node tests/browser/tv-xss.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"token": device token, "film_id", "hostile"}. Prints one JSON line
// ({"ok", "screens": {name: {"text_shown", "elements"}}, "dialogs", "error"?}); exit 0 when
// every screen passed.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const WAIT_MS = 20_000;

const [base, jobJson] = process.argv.slice(2);
const job = JSON.parse(jobJson || '{}');
const out = { ok: false, screens: {}, dialogs: [] };
function finish(code) {
  console.log(JSON.stringify(out));
  if (!out.ok) console.error(`tv-xss.mjs: ${out.error}`);
  process.exit(code);
}
setTimeout(() => { out.error = `gave up (at: ${out.at})`; finish(1); }, 90_000).unref();

// What the page shows of the hostile name on the current screen.
async function check(page, name, waitForText) {
  out.at = name;
  await page.waitForFunction(
    ([screen, text]) => {
      const s = document.querySelector('#app > .screen');
      return s && s.getAttribute('data-screen') === screen && (!text || s.textContent.includes(text));
    },
    [name, waitForText ? job.hostile : null],
    { timeout: WAIT_MS },
  );
  out.screens[name] = await page.evaluate((hostile) => ({
    text_shown: document.body.textContent.includes(hostile),
    // Anything the markup would have made: an <img src="x">, an onerror attribute.
    elements: document.querySelectorAll('img[src="x"], [onerror]').length,
  }), job.hostile);
}

let browser;
try {
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addCookies([{ name: 'dj_device', value: job.token, url: base }]);
  const page = await context.newPage();
  page.on('dialog', (d) => { out.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(new URL('/tv/', base).href);
  await check(page, 'home', true);
  await page.evaluate((id) => window.TV.app.go('film', { id }), job.film_id);
  await check(page, 'film', true);
  await page.evaluate(() => window.TV.app.go('search', {}));
  await check(page, 'search', false);
  await page.evaluate((title) => window.TV.app.go('after', {
    film: { title }, ending: Promise.resolve(null),
  }), job.hostile);
  await check(page, 'after', true);
  // Give a deferred handler (an onerror on a broken image) time to fire.
  await page.waitForTimeout(500);
  const bad = Object.entries(out.screens)
    .filter(([name, s]) => s.elements > 0 || (name !== 'search' && !s.text_shown))
    .map(([name, s]) => `${name}: ${JSON.stringify(s)}`);
  if (out.dialogs.length) bad.push(`dialogs fired: ${out.dialogs.join(' | ')}`);
  out.ok = bad.length === 0;
  if (!out.ok) out.error = bad.join('\n');
} catch (e) {
  out.error = `${out.at}: ${e.message}`;
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(out.ok ? 0 : 1);
