// The broadcaster's phone page (/m/) in a real browser (Debian's Chromium via playwright-core)
// with a phone's viewport and touch: every action is a tap (or typing into a field).
//
//   node tests/browser/phone.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"code": an unused pairing code of the station, "query": pinyin initials,
// "film": the title they find, "cues": [{"at_s", "text"}] (the film's), "members": two names
// on the station's roster, "discussion": text to type, "photo": a JPEG file, "shots": DIR}.
// Steps: a wrong code (the server's sentence shows), pair with ?code= prefilled, home, search,
// the film page (播前备课, the TV), push to the TV, each cue at its time, pause and resume,
// stop, sign in two members, a discussion, the photo, done. Steps that fail are noted and
// the flow goes on where it can (a later step may need an earlier one). Screenshots go to
// DIR/phone-*.png. Prints one JSON line {"ok", "steps": {name: "ok" | error}, ...} and exits
// 1 when any step failed. Nothing leaves the server's address.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const TOTAL_MS = 300_000;
const WAIT_MS = 20_000;
// A phone (360×740 CSS pixels, as most Android phones) in WeChat's built-in browser.
const PHONE = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  userAgent: 'Mozilla/5.0 (Linux; Android 10; V2001A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
};

const [base, jobJson] = process.argv.slice(2);
let job;
try {
  job = JSON.parse(jobJson);
  for (const k of ['code', 'query', 'film', 'cues', 'members', 'discussion', 'photo', 'shots']) if (!(k in job)) throw new Error(`needs ${k}`);
} catch (e) {
  console.error(`usage: node tests/browser/phone.mjs BASE_URL JOB_JSON (${e.message})`);
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error(`phone.mjs: playwright-core is not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

const out = { ok: false, steps: {}, page_errors: [], console_errors: [], screenshots: [] };
function finish() {
  out.ok = Object.keys(out.steps).length > 0 && Object.values(out.steps).every((s) => s === 'ok');
  console.log(JSON.stringify(out));
  if (!out.ok) console.error(`phone.mjs: ${JSON.stringify(out.steps)}`);
  process.exit(out.ok ? 0 : 1);
}
setTimeout(() => { out.steps.timeout = `gave up after ${TOTAL_MS} ms`; finish(); }, TOTAL_MS).unref();

// Runs one step; a failure is noted (with what the page said) and, if `needed`, ends the run.
async function step(page, name, fn, needed) {
  try {
    await fn();
    out.steps[name] = 'ok';
  } catch (e) {
    const said = await page.evaluate(() => Array.from(document.querySelectorAll('.status.bad')).map((s) => s.textContent).join(' | ')).catch(() => '');
    out.steps[name] = `${e.message.split('\n')[0]}${said ? ` (the page says: ${said})` : ''}`;
    await shot(page, `failed-${name}`).catch(() => {});
    if (needed) throw e;
  }
}

async function shot(page, name) {
  const path = join(job.shots, `phone-${name}.png`);
  await page.screenshot({ path });
  out.screenshots.push(path);
}

const screen = (page, name) => page.waitForSelector(`[data-screen="${name}"]`, { timeout: WAIT_MS });
const text = (page, sel) => page.locator(sel).first().textContent();
const tap = (page, sel) => page.locator(sel).first().tap();

// Waits for the playing screen's state to be `state` (or the screen to be gone).
const playState = (page, state) => page.waitForSelector(`[data-screen="playing"] .play-state[data-state="${state}"]`, { timeout: WAIT_MS });

async function pairing(page) {
  await step(page, 'wrong_code', async () => {
    await page.goto(new URL('/m/', base).href);
    await screen(page, 'pair');
    await page.locator('#pair-code').fill('000000');
    await tap(page, '[data-act="pair"]');
    await page.waitForSelector('[data-status="pair"].bad', { timeout: WAIT_MS });
    out.wrong_code = await text(page, '[data-status="pair"]');
  });
  await step(page, 'pair', async () => {
    await page.goto(new URL(`/m/?code=${job.code}`, base).href);
    await screen(page, 'pair');
    out.prefilled = await page.inputValue('#pair-code');
    await shot(page, 'pair');
    await tap(page, '[data-act="pair"]');
    await screen(page, 'home');
    await page.waitForSelector('.home-rows .card', { timeout: WAIT_MS });
    out.station = await text(page, '.bar-station');
    out.home_sections = await page.locator('.home-rows .card h2').allTextContents();
    out.url_after_pairing = page.url();
    out.device = await page.evaluate(async () => (await (await fetch('/api/v1/device')).json()).device);
    await shot(page, 'home');
  }, true);
}

async function findAndPush(page) {
  await step(page, 'search', async () => {
    await tap(page, '#search');
    await page.locator('#search').pressSequentially(job.query, { delay: 60 });
    await page.waitForSelector(`.results[data-query="${job.query}"] .film-row`, { timeout: WAIT_MS });
    out.found = await page.locator('.results .film-name').allTextContents();
    await page.keyboard.press('Enter');
    await shot(page, 'search');
    await page.locator('.results .film-row', { hasText: job.film }).first().tap();
  }, true);
  await step(page, 'film', async () => {
    await screen(page, 'film');
    await page.waitForSelector('.card.prep', { timeout: WAIT_MS });
    out.prep_notes = await text(page, '.card.prep .prep');
    out.film_cues = await page.locator('[data-screen="film"] .cue-list li').allTextContents();
    await page.waitForSelector('[data-renderer].on', { timeout: WAIT_MS });
    out.tvs = await page.locator('[data-renderer] .tv-name').allTextContents();
    await shot(page, 'film');
    await page.locator('[data-act="play"]').scrollIntoViewIfNeeded();
    await shot(page, 'film-tv');
  }, true);
  await step(page, 'push', async () => {
    await tap(page, '[data-act="play"]');
    await screen(page, 'playing');
    out.play_id = await page.evaluate(() => M.app.top().params.play_id);
  }, true);
}

// Each cue shows when the TV's reported position reaches its time; pause holds it.
async function whilePlaying(page) {
  await step(page, 'playing', async () => {
    await playState(page, 'playing');
    await shot(page, 'playing');
  });
  out.cues_shown = [];
  await step(page, 'cue', async () => {
    for (let i = 0; i < job.cues.length; i++) {
      await page.waitForSelector(`.cue.on[data-cue="${i}"]`, { timeout: WAIT_MS });
      out.cues_shown.push(await page.evaluate(() => {
        const c = document.querySelector('.cue.on');
        return { index: Number(c.getAttribute('data-cue')), text: c.querySelector('.cue-text').textContent, shown_at_s: Number(c.getAttribute('data-shown-at')), visible: c.offsetHeight > 0 };
      }));
      await shot(page, `cue-${i}`);
      if (i === 0) await pauseAndResume(page);
      if (i === 0) await setVolume(page);
    }
  });
  await step(page, 'stop', async () => {
    if (await page.locator('[data-screen="playing"]').count()) {
      await tap(page, '[data-act="stop"]');
      await shot(page, 'stop-ask');
      await tap(page, '[data-act="stop-yes"]');
    }
    await screen(page, 'after');
    out.after_why = await text(page, '[data-screen="after"] .why');
  }, true);
}

// The slider left at 35: the page sends it to the TV (the test reads the TV's own level).
async function setVolume(page) {
  await page.locator('#volume').scrollIntoViewIfNeeded();
  await page.locator('#volume').fill('35');
}

async function pauseAndResume(page) {
  await tap(page, '[data-act="pause"]');
  await playState(page, 'paused');
  out.paused_at = await page.evaluate(() => Number(document.querySelector('.play-time').getAttribute('data-position')));
  out.pause_label = await text(page, '[data-act="pause"]');
  await shot(page, 'paused');
  await tap(page, '[data-act="pause"]');
  await playState(page, 'playing');
}

async function after(page) {
  await step(page, 'signin', async () => {
    for (const name of job.members) await page.locator('.member', { hasText: name }).first().tap();
    out.signed = await page.locator('.member.on .member-name').allTextContents();
    out.count = await text(page, '.count');
  });
  await step(page, 'discussion', async () => {
    await tap(page, '[data-act="topic-1"]');
    await page.locator('#discussion').tap();
    await page.locator('#discussion').pressSequentially(`；${job.discussion}`);
    out.discussion = await page.inputValue('#discussion');
  });
  await step(page, 'photo', async () => {
    await page.setInputFiles('#photo', job.photo);
    await page.waitForSelector('[data-status="photo"].good, [data-status="photo"].bad', { timeout: WAIT_MS });
    out.photo_status = await text(page, '[data-status="photo"]');
    await page.locator('.photo-preview').scrollIntoViewIfNeeded();
    await shot(page, 'after-photo');
    if (await page.locator('[data-status="photo"].bad').count()) throw new Error(`the photo was not saved: ${out.photo_status}`);
  });
  // A camera-sized photo (larger than the server takes) is redrawn smaller before it goes.
  if (job.big_photo) await step(page, 'big-photo', async () => {
    await page.setInputFiles('#photo', job.big_photo);
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-status="photo"]');
      return s && (s.classList.contains('bad') || s.textContent.includes('共 2 张'));
    }, null, { timeout: WAIT_MS });
    out.big_photo_status = await text(page, '[data-status="photo"]');
    if (await page.locator('[data-status="photo"].bad').count()) throw new Error(`the large photo was not saved: ${out.big_photo_status}`);
  });
  await step(page, 'done', async () => {
    await page.locator('.card.roster').scrollIntoViewIfNeeded();
    await shot(page, 'after');
    await tap(page, '[data-act="done"]');
    await page.waitForSelector('[data-status="after"].good', { timeout: WAIT_MS });
    out.saved = await text(page, '[data-status="after"]');
    await shot(page, 'done');
  });
}

mkdirSync(job.shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--lang=zh-CN', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
out.chromium = browser.version();
const context = await browser.newContext(PHONE);
const page = await context.newPage();
page.on('pageerror', (e) => out.page_errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') out.console_errors.push(m.text()); });
try {
  await pairing(page);
  await findAndPush(page);
  await whilePlaying(page);
  await after(page);
} catch (e) {
  // A needed step failed: it is in out.steps.
}
await browser.close();
finish();
