// "在站点电视上播放" in the office UI, in a real browser (Debian's Chromium via playwright-core):
// sign in, open a film's page, choose the station and its TV, push the film, watch the TV's
// position advance, pause (the position holds), resume (it advances again), stop; then the
// station's page lists the TV. Run inside the server's network namespace by
// tests/api/dlna/office_push.rs, with Debian's gmediarender as the TV in its own.
//
//   node tests/browser/office-push.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"user", "password", "film_id", "station_id", "tv_name", "shots": DIR}.
// Prints one JSON line {"ok", "steps": {name: "ok" | error}, "play_id", "positions": [s..],
// "held": [s, s], "resumed_at", "stopped", "renderer_row", "page_errors"} and exits 1 when
// a step failed. Screenshots: DIR/office-push-*.png.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const TOTAL_MS = 180_000;

const [base, jobJson] = process.argv.slice(2);
let job;
try {
  job = JSON.parse(jobJson);
  for (const k of ['user', 'password', 'film_id', 'station_id', 'tv_name', 'shots']) if (!(k in job)) throw new Error(`needs ${k}`);
} catch (e) {
  console.error(`usage: node tests/browser/office-push.mjs BASE_URL JOB_JSON (${e.message})`);
  process.exit(2);
}
let chromium;
try { ({ chromium } = require('playwright-core')); } catch (e) {
  console.error(`office-push.mjs: playwright-core is not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}
mkdirSync(job.shots, { recursive: true });

const out = { ok: false, steps: {}, positions: [], page_errors: [] };
function finish(code) {
  out.ok = Object.keys(out.steps).length > 0 && Object.values(out.steps).every((s) => s === 'ok');
  console.log(JSON.stringify(out));
  process.exit(code === undefined ? (out.ok ? 0 : 1) : code);
}
setTimeout(() => { out.steps.timeout = `gave up after ${TOTAL_MS} ms`; finish(1); }, TOTAL_MS).unref();

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--lang=zh-CN', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
const page = await context.newPage();
page.on('pageerror', (e) => out.page_errors.push(e.message));
page.setDefaultTimeout(20_000);
const shot = (name) => page.screenshot({ path: `${job.shots}/office-push-${name}.png`, fullPage: true });
const check = (cond, what) => { if (!cond) throw new Error(what); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The TV's position the card shows, seconds (NaN before the first answer). */
const position = async () => Number(await page.getAttribute('#push-position', 'data-seconds'));
const pushError = async () => (await page.textContent('#push-error')).trim();

/** Waits (at most `ms`) until the shown position passes `s`; returns it. */
async function positionPast(s, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const p = await position();
    if (p > s) return p;
    check(Date.now() < until, `the position stayed at ${p} (wanted past ${s}); card says: ${await page.textContent('#tv-push')}`);
    await sleep(300);
  }
}

async function step(name, fn) {
  if (Object.values(out.steps).some((s) => s !== 'ok')) { out.steps[name] = 'not run: an earlier step failed'; return; }
  try { await fn(); out.steps[name] = 'ok'; } catch (e) { out.steps[name] = `failed: ${e.message}`; await shot(`failed-${name}`).catch(() => {}); }
}

await step('sign_in', async () => {
  await page.goto(`${base}/admin/`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-name', job.user);
  await page.fill('#login-password', job.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
});

await step('choose_tv', async () => {
  await page.goto(`${base}/admin/#/catalog/${encodeURIComponent(job.film_id)}`);
  await page.waitForSelector('#tv-push #push-station option[value]:not([value=""])', { state: 'attached' });
  await page.selectOption('#push-station', job.station_id);
  await page.waitForFunction((name) => Array.from(document.querySelectorAll('#push-renderer option')).some((o) => o.value && o.textContent.includes(name)), job.tv_name);
  check(await page.isEnabled('#push-play'), 'the play button stays disabled with a TV chosen');
});

await step('push', async () => {
  const answered = page.waitForResponse((r) => /\/api\/v1\/renderers\/.+\/play$/.test(r.url()) && r.request().method() === 'POST');
  await page.click('#push-play');
  const res = await answered;
  const body = await res.json();
  check(res.status() === 201, `push answered ${res.status()}: ${JSON.stringify(body)}`);
  out.play_id = body.play_id;
  await page.waitForSelector('#push-live #push-position');
});

await step('position_advances', async () => {
  let last = -1;
  const until = Date.now() + 40_000;
  while (out.positions.length < 3 || last < 3) {
    const p = await position();
    if (p > last) { out.positions.push(p); last = p; }
    check(Date.now() < until, `positions seen: ${JSON.stringify(out.positions)}; card: ${await page.textContent('#tv-push')}`);
    await sleep(500);
  }
  check(await pushError() === '', `an error shows: ${await pushError()}`);
  out.playing_text = (await page.textContent('#push-state')).trim();
  await shot('playing');
});

await step('pause_holds', async () => {
  await page.click('#push-pause');
  await sleep(3000); // the TV pauses, the server's poll and the card's poll catch up
  const a = await position();
  await sleep(3000);
  const b = await position();
  out.held = [a, b];
  check(Math.abs(b - a) < 0.6, `paused, yet ${a} → ${b}`);
  check(await pushError() === '', `an error shows: ${await pushError()}`);
  out.paused_text = (await page.textContent('#push-state')).trim();
});

await step('resume_advances', async () => {
  await page.click('#push-resume');
  out.resumed_at = await positionPast(out.held[1] + 1, 20_000);
});

await step('stop', async () => {
  await page.click('#push-stop');
  await page.waitForFunction(() => document.getElementById('push-state').textContent.includes('停止'));
  out.stopped = (await page.textContent('#push-state')).trim();
  check(await page.isDisabled('#push-pause'), 'the controls stay enabled after stop');
  check(await pushError() === '', `an error shows: ${await pushError()}`);
  await shot('stopped');
});

await step('station_lists_the_tv', async () => {
  await page.goto(`${base}/admin/#/stations/${encodeURIComponent(job.station_id)}`);
  const row = page.locator('#station-renderers table.renderers tbody tr', { hasText: job.tv_name });
  await row.waitFor();
  out.renderer_row = (await row.locator('td').allTextContents()).map((t) => t.trim());
  await page.locator('#station-renderers').screenshot({ path: `${job.shots}/office-push-station.png` });
});

await browser.close();
finish();
