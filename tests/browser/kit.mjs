// The pastoral field kit in a real browser (Debian's Chromium via playwright-core), in one
// of three modes (CONFIG_JSON's "mode"):
// * "make": the office's 牧区放映包 page makes a kit for a station from chosen films and
//   shows its progress to the end; prints the kit's folder.
// * "field": the kit's page opened straight from the kit's folder (file://, no server): no
//   storage or crypto problem; a film plays (the video's currentTime advances); two members
//   sign in; a discussion note; a 10-minute teaching session on the page's scripted clock
//   (page.clock.install at clock_start_ms, fastForward 10 minutes); "导出记录" downloads
//   the records file, saved to "out".
// * "import": the office's 导入牧区记录 takes the file "out"; prints the page's sentence.
//
//   node tests/browser/kit.mjs BASE_URL CONFIG_JSON
//
// CONFIG_JSON: {"mode", "user"?, "password"?, "station_id"?, "page"?, "clock_start_ms"?,
// "film_id", "member_ids"?, "out", "shot"?}. Prints one JSON line {"ok", "steps", "errors",
// "folder", "current_time_s", "warnings", "records", "download", "imported"} and exits 0
// when every step passed.

import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const [base, configJson] = process.argv.slice(2);
const cfg = JSON.parse(configJson);
const steps = {};
const errors = [];
const out = { folder: null, current_time_s: null, warnings: [], records: null, download: null, imported: null };
let chromium;
try { ({ chromium } = require('playwright-core')); } catch (e) {
  console.error(`kit.mjs: web/'s test packages are not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--lang=zh-CN', '--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
const page = await context.newPage();
page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
const net = [];
page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) net.push(r.url()); });
page.setDefaultTimeout(20_000);
const check = (cond, what) => { if (!cond) throw new Error(what); };

async function step(name, fn) {
  if (errors.length) { steps[name] = 'skipped: an earlier step failed'; return; }
  try { const r = await fn(); steps[name] = r || 'ok'; } catch (e) { steps[name] = `failed: ${e.message}`; errors.push(`${name}: ${e.message}`); }
}

const recordKinds = () => page.$$eval('#records tbody tr', (rows) => rows.map((r) => r.getAttribute('data-kind')));

async function signIn() {
  await page.goto(`${base}/admin/#/kits`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-name', cfg.user);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
}

async function make() {
  await step('sign_in_office', signIn);
  await step('make', async () => {
    await page.waitForSelector('#kit-make');
    await page.selectOption('#kit-station', cfg.station_id);
    await page.check('input[name="kit-choice"][value="films"]');
    await page.check(`#kit-films input[value="${cfg.film_id}"]`);
    await page.click('#kit-make button[type=submit]');
    await page.waitForFunction(() => /^放映包已制作：/.test(document.getElementById('kit-state').textContent), null, { timeout: 60_000 });
    check(await page.$eval('#kit-progress', (p) => !p.hidden && p.value === 100), 'the progress bar did not reach the end');
    out.folder = (await page.textContent('#kit-state')).replace(/^放映包已制作：/, '');
  });
}

async function importFile() {
  await step('sign_in_office', signIn);
  await step('import', async () => {
    await page.waitForSelector('#kit-import');
    await page.setInputFiles('#kit-file', cfg.out);
    await page.click('#kit-import button[type=submit]');
    await page.waitForFunction(() => document.getElementById('kit-import-result').textContent || document.getElementById('kit-import-error').textContent);
    out.imported = await page.textContent('#kit-import-result');
    const refused = await page.textContent('#kit-import-error');
    check(!refused, `the import was refused: ${refused}`);
  });
}

async function field() {
  await step('open', async () => {
    await page.clock.install({ time: cfg.clock_start_ms });
    await page.goto(pathToFileURL(cfg.page).href);
    await page.waitForSelector('body[data-ready="1"]');
    out.warnings = await page.$$eval('#warnings p', (ps) => ps.map((p) => ({ text: p.textContent, note: p.className === 'note' })));
    check(out.warnings.every((w) => w.note), `the page warns: ${JSON.stringify(out.warnings)}`);
    check(await page.evaluate(() => window.isSecureContext && !!crypto.subtle), 'crypto.subtle is missing on file://');
  });

  await step('play', async () => {
    await page.click(`button.film[data-film="${cfg.film_id}"]`);
    await page.evaluate(() => { const v = document.getElementById('video'); v.muted = true; return v.play(); });
    await page.waitForFunction(() => document.getElementById('video').currentTime > 2.5, null, { timeout: 30_000 });
    out.current_time_s = await page.evaluate(() => document.getElementById('video').currentTime);
    await page.waitForSelector('#end-showing:not([disabled])');
  });

  await step('sign_in', async () => {
    for (const id of cfg.member_ids) {
      await page.click(`#roster button[data-member="${id}"]`);
      await page.waitForSelector(`#roster button.signed[data-member="${id}"]`);
    }
  });

  await step('end_showing', async () => {
    await page.click('#end-showing');
    await page.waitForFunction(() => document.querySelectorAll('#records tr[data-kind="showing"]').length === 1);
  });

  await step('discussion', async () => {
    await page.fill('#discussion-text', '大家谈了草场保护和党员带头的事');
    await page.click('#save-discussion');
    await page.waitForFunction(() => document.querySelectorAll('#records tr[data-kind="discussion"]').length === 1);
  });

  await step('session', async () => {
    await page.fill('#session-topic', '党章学习');
    await page.click('#start-session');
    await page.clock.fastForward('10:00');
    const shown = await page.textContent('#session-clock');
    check(/^0:10:0\d$/.test(shown), `the session clock shows ${shown}`);
    await page.click('#end-session');
    await page.waitForFunction(() => document.querySelectorAll('#records tr[data-kind="session"]').length === 1);
    out.records = await recordKinds();
  });

  await step('export', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    out.download = download.suggestedFilename();
    await download.saveAs(cfg.out);
    check(/^记录-kit_[0-9a-f]+-\d{8}\.json$/.test(out.download), `download named ${out.download}`);
    if (cfg.shot) await page.screenshot({ path: cfg.shot, fullPage: true });
  });
}

if (cfg.mode === 'make') await make();
else if (cfg.mode === 'import') await importFile();
else await field();

if (cfg.mode === 'field' && net.length) errors.push(`the page reached for the network: ${net.join(', ')}`);
await browser.close();
const ok = errors.length === 0;
console.log(JSON.stringify({ ok, steps, errors, ...out }));
process.exit(ok ? 0 : 1);
