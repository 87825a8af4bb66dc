// The office's preparation card (工作概览 → 影片准备): sign in, read the queue as the page
// lists it (title and why, in order), press "先准备这部" on the last film, read it again.
//
//   node tests/browser/prep-queue.mjs BASE_URL CONFIG_JSON
//
// CONFIG_JSON: {"user", "password"}. Prints one JSON line
// {"ok", "before": [{"film_id", "title", "why", "position"}], "after": [...], "error"?}
// and exits 0 when the card could be read and the button pressed.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const [base, configJson] = process.argv.slice(2);
const cfg = JSON.parse(configJson);
let chromium;
try { ({ chromium } = require('playwright-core')); } catch (e) {
  console.error(`prep-queue.mjs: web/'s test packages are not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

/** The queue's rows as the page shows them, top to bottom. */
async function rows(page) {
  return page.$$eval('#prep-queue tbody tr', (trs) => trs
    .filter((tr) => tr.querySelector('td.film'))
    .map((tr) => ({
      film_id: tr.querySelector('td.film').getAttribute('data-film'),
      title: tr.querySelector('td.film').textContent,
      why: tr.querySelector('td.why').textContent,
      position: Number(tr.querySelector('td').textContent),
    })));
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--lang=zh-CN', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = { ok: false, before: null, after: null };
try {
  const page = await browser.newPage({ locale: 'zh-CN' });
  page.setDefaultTimeout(20_000);
  await page.goto(`${base}/admin/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-name', cfg.user);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  await page.goto(`${base}/admin/#/dashboard`);
  await page.waitForSelector('#prep-queue td.film');
  out.before = await rows(page);
  const last = out.before[out.before.length - 1];
  await page.click(`#prep-queue button[data-first="${last.film_id}"]`);
  // The card is drawn again once the server has moved the film: wait for it on top.
  await page.waitForFunction((id) => {
    const top = document.querySelector('#prep-queue td.film');
    return top && top.getAttribute('data-film') === id;
  }, last.film_id);
  out.after = await rows(page);
  out.ok = true;
} catch (e) {
  out.error = e.message;
}
await browser.close();
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
