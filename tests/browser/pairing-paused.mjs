// The admin page of a station while pairing is paused (too many wrong codes this hour):
// sign in, open the station, read what the pairing card says.
//
//   node tests/browser/pairing-paused.mjs BASE_URL CONFIG_JSON
//
// CONFIG_JSON: {"user", "password", "station_id"}. Prints one JSON line
// {"ok", "paused_text", "error"?} and exits 0 when the page could be read.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const [base, configJson] = process.argv.slice(2);
const cfg = JSON.parse(configJson);
let chromium;
try { ({ chromium } = require('playwright-core')); } catch (e) {
  console.error(`pairing-paused.mjs: web/'s test packages are not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--lang=zh-CN', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = { ok: false, paused_text: null };
try {
  const page = await browser.newPage({ locale: 'zh-CN' });
  page.setDefaultTimeout(20_000);
  await page.goto(`${base}/admin/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-name', cfg.user);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
  await page.goto(`${base}/admin/#/stations/${cfg.station_id}`);
  await page.waitForSelector('#pairing-paused');
  out.paused_text = (await page.textContent('#pairing-paused')).trim();
  out.ok = true;
} catch (e) {
  out.error = e.message;
}
await browser.close();
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
