// The TV UI in a real browser (Debian's Chromium via playwright-core), driven by keys only,
// as a remote would: arrows, OK (Enter), Back (Escape) and digits.
//
//   node tests/browser/tv.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"codes": [c1, c2, c3] (unused pairing codes for one station), "shots": DIR,
// "film": "党章电视教材 第一集", "query": "dzds", "cue": "text of its first cue"}.
// 1. flow (1920×1080): pairs with codes[0] (on-screen digits and number keys), searches
//    `query` on the letter grid, opens `film`, plays it until currentTime advances and the
//    prompt cue shows, stops with Back (confirm), signs in two members and presses done.
// 2. walk, at 1280×720 (codes[1]) and 1920×1080 (codes[2]): every screen is explored with
//    the arrow keys alone; every focusable element must be reached and the focus must stay
//    on a visible element inside the viewport.
// 3. busy (when JOB_JSON has "busy_film", an id): pairs with codes[0], opens that film from
//    the home screen and plays it; the server is busy, so the "正在准备，约 N 分钟" screen
//    must come (its heading is returned as "busy"). Then, in a fresh browser, wrong codes
//    until the server throttles this address: what the screen said each time ("throttle").
// Screenshots go to DIR/tv-*.png. Prints one JSON line {"ok", "chromium", "flow", "walks",
// "error"} and exits 1 on failure (the reason also on stderr). Nothing leaves loopback.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { explore, focusState, moveTo, press, screenName, waitScreen, WAIT_MS } from './tv-keys.mjs';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const TOTAL_MS = 420_000;

const [base, jobJson] = process.argv.slice(2);
let job;
try {
  job = JSON.parse(jobJson);
  if (!Array.isArray(job.codes) || !job.shots) throw new Error('needs codes, shots');
  if (!job.busy_film && (job.codes.length < 3 || !job.film)) throw new Error('needs codes[3] and film');
} catch (e) {
  console.error(`usage: node tests/browser/tv.mjs BASE_URL JOB_JSON (${e.message})`);
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error(`tv.mjs: playwright-core is not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

const out = { ok: false, chromium: null, flow: {}, walks: {}, console_errors: [] };
function finish(code) {
  console.log(JSON.stringify(out));
  if (!out.ok) console.error(`tv.mjs: ${out.error}`);
  process.exit(code);
}
setTimeout(() => { out.error = `gave up after ${TOTAL_MS} ms (at: ${out.at})`; finish(1); }, TOTAL_MS).unref();

const step = (what) => { out.at = what; };

async function shot(page, name) {
  const path = join(job.shots, `tv-${name}.png`);
  await page.screenshot({ path });
  (out.screenshots ||= []).push(path);
}

// ---- 1. the keys-only flow ----
async function flow(context) {
  const page = await context.newPage();
  watchErrors(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  step('open /tv/');
  await page.goto(new URL('/tv/', base).href);
  await waitScreen(page, 'pair');
  await shot(page, 'pair');
  step('pair: a wrong code');
  for (const d of '000000') await press(page, d);
  await moveTo(page, 'pad-ok');
  await press(page, 'Enter');
  await page.waitForSelector('.note.bad', { timeout: WAIT_MS });
  out.flow.wrong_code = await page.evaluate(() => document.querySelector('.note.bad').textContent);
  step('pair');
  const code = String(job.codes[0]);
  // The first three digits on the on-screen keypad, the rest with the number keys.
  for (const d of code.slice(0, 3)) { await moveTo(page, `pad-${d}`); await press(page, 'Enter'); }
  for (const d of code.slice(3)) await press(page, d);
  await moveTo(page, 'pad-ok');
  await press(page, 'Enter');
  await waitScreen(page, 'home');
  await page.waitForSelector('.card', { timeout: WAIT_MS });
  await shot(page, 'home');

  step('search');
  await moveTo(page, 'home-search');
  await press(page, 'Enter');
  await waitScreen(page, 'search');
  const counts = [];
  let typed = '';
  for (const ch of job.query.toUpperCase()) {
    await moveTo(page, `s-${ch}`);
    await press(page, 'Enter');
    typed += ch;
    await page.waitForFunction((q) => {
      const r = document.querySelector('.results');
      return r && r.getAttribute('data-query') === q;
    }, typed, { timeout: WAIT_MS });
    counts.push(await page.evaluate(() => document.querySelectorAll('.result').length));
  }
  out.flow.results_per_letter = counts;
  const hit = await page.evaluate((title) => {
    const r = Array.from(document.querySelectorAll('.result')).find((el) => el.querySelector('.result-title').textContent === title);
    return r ? r.getAttribute('data-fid') : null;
  }, job.film);
  if (!hit) throw new Error(`"${job.query}" did not find ${job.film}: ${await page.evaluate(() => document.querySelector('.search-right').textContent)}`);
  out.flow.found = true;
  await shot(page, 'search');

  step('film page');
  await moveTo(page, hit);
  await press(page, 'Enter');
  await waitScreen(page, 'film');
  await page.waitForFunction((t) => { const h = document.querySelector('.film-title'); return h && h.textContent === t; }, job.film, { timeout: WAIT_MS });
  out.flow.prep_notes = await page.evaluate(() => document.querySelector('.prep-text').textContent);
  await shot(page, 'film');

  step('play');
  const focused = await focusState(page);
  // A station that stopped in this film before is offered to resume: start over instead.
  if (focused.fid === 'film-resume') await moveTo(page, 'film-restart');
  else if (focused.fid !== 'film-play') throw new Error(`the film page focuses ${focused.fid}, not its play button`);
  await press(page, 'Enter');
  await waitScreen(page, 'player');
  await page.waitForFunction(() => { const v = document.querySelector('video'); return v && v.currentTime > 1; }, null, { timeout: WAIT_MS })
    .catch(async () => { throw new Error(`the video did not advance: ${JSON.stringify(await videoState(page))}`); });
  out.flow.played = await videoState(page);
  step('cue');
  await page.waitForFunction(() => { const c = document.querySelector('.cue.on'); return c && c.offsetHeight > 0; }, null, { timeout: WAIT_MS });
  // The film time the player showed it at (it notes it on the overlay).
  out.flow.cue = await page.evaluate(() => ({ text: document.querySelector('.cue-text').textContent, at_s: parseFloat(document.querySelector('.cue').getAttribute('data-shown-at')) }));
  await shot(page, 'player-cue');

  step('pause, play, seek back');
  await press(page, 'Enter');
  await page.waitForFunction(() => document.querySelector('video').paused && document.querySelector('.paused.on'), null, { timeout: WAIT_MS });
  await press(page, 'Enter');
  await page.waitForFunction(() => !document.querySelector('video').paused, null, { timeout: WAIT_MS });
  const before = (await videoState(page)).current_time_s;
  await press(page, 'ArrowLeft');
  await page.waitForFunction((t) => document.querySelector('video').currentTime < t - 1, before, { timeout: WAIT_MS });
  out.flow.paused_and_seeked = { from_s: before, to_s: (await videoState(page)).current_time_s };

  // The network drops as the showing ends: the end report fails and is retried; the
  // screens go on meanwhile.
  step('stop with Back, offline');
  await context.setOffline(true);
  await press(page, 'Escape');
  await page.waitForSelector('.modal .f.focused', { timeout: WAIT_MS });
  out.flow.stop_asked = true;
  await shot(page, 'player-stop');
  await moveTo(page, 'stop-yes');
  await press(page, 'Enter');
  await waitScreen(page, 'after');

  step('sign in');
  const members = await page.evaluate(() => Array.from(document.querySelectorAll('.member')).map((m) => m.getAttribute('data-fid')));
  if (members.length < 2) throw new Error(`the sign-in list has ${members.length} members`);
  for (const m of members.slice(0, 2)) { await moveTo(page, m); await press(page, 'Enter'); }
  out.flow.count = await page.evaluate(() => document.querySelector('.count').textContent);
  await shot(page, 'signin');
  await page.waitForTimeout(1500);
  await context.setOffline(false);
  out.flow.offline_during_stop = true;
  await moveTo(page, 'after-done');
  await press(page, 'Enter');
  await page.waitForSelector('.after-status.good', { timeout: WAIT_MS }).catch(async () => {
    throw new Error(`done did not record: ${await page.evaluate(() => document.querySelector('.after-status').textContent)}`);
  });
  out.flow.saved = await page.evaluate(() => document.querySelector('.after-status').textContent);
  await page.close();
}

const videoState = (page) => page.evaluate(() => {
  const v = document.querySelector('video');
  return v ? { current_time_s: v.currentTime, paused: v.paused, ready_state: v.readyState, error: v.error && v.error.message, src: v.currentSrc } : null;
});

function watchErrors(page) {
  page.on('pageerror', (e) => out.console_errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') out.console_errors.push(m.text()); });
}

// ---- 2. arrow-key walks ----
async function walkSize(context, width, height, code) {
  const results = [];
  const page = await context.newPage();
  watchErrors(page);
  await page.setViewportSize({ width, height });
  step(`walk ${width}x${height}: pairing`);
  await page.goto(new URL('/tv/', base).href);
  await waitScreen(page, 'pair');
  results.push(await explore(page, 'pair'));
  for (const d of String(code)) await press(page, d);
  await moveTo(page, 'pad-ok');
  await press(page, 'Enter');
  await waitScreen(page, 'home');
  await page.waitForSelector('.card', { timeout: WAIT_MS });
  step(`walk ${width}x${height}: home`);
  results.push(await explore(page, 'home'));

  step(`walk ${width}x${height}: series`);
  const all = await page.evaluate(() => { const a = document.querySelector('.card.more'); return a && a.getAttribute('data-fid'); });
  await moveTo(page, all);
  await press(page, 'Enter');
  await waitScreen(page, 'series');
  await page.waitForSelector('.grid .card', { timeout: WAIT_MS });
  results.push(await explore(page, 'series'));
  const first = await page.evaluate(() => document.querySelector('.grid .card').getAttribute('data-fid'));
  await moveTo(page, first);
  await press(page, 'Enter');
  step(`walk ${width}x${height}: film`);
  await waitScreen(page, 'film');
  await page.waitForSelector('.film-info', { timeout: WAIT_MS });
  results.push(await explore(page, 'film'));

  step(`walk ${width}x${height}: player`);
  await moveTo(page, (await page.evaluate(() => document.querySelector('.f[data-default]').getAttribute('data-fid'))));
  await press(page, 'Enter');
  await waitScreen(page, 'player');
  await page.waitForFunction(() => document.querySelector('video').currentTime > 0.5, null, { timeout: WAIT_MS });
  // The info bar shows for a while when playback starts; Up toggles it.
  const infoOn = () => page.evaluate(() => !!document.querySelector('.info.on'));
  await press(page, 'ArrowUp');
  if (!(await infoOn())) await press(page, 'ArrowUp');
  await page.waitForSelector('.info.on', { timeout: WAIT_MS });
  if (width === 1920) await shot(page, 'player-info');
  await press(page, 'Escape');
  await page.waitForSelector('.modal .f.focused', { timeout: WAIT_MS });
  results.push(await explore(page, 'player'));
  await moveTo(page, 'stop-yes');
  await press(page, 'Enter');
  step(`walk ${width}x${height}: after`);
  await waitScreen(page, 'after');
  results.push(await explore(page, 'after'));
  await moveTo(page, 'after-discuss');
  await press(page, 'Enter');
  await waitScreen(page, 'discuss');
  step(`walk ${width}x${height}: discuss`);
  results.push(await explore(page, 'discuss'));
  if (width === 1920) await shot(page, 'discuss');
  await press(page, 'Escape');
  await waitScreen(page, 'after');
  await press(page, 'Escape');
  await waitScreen(page, 'film');
  await press(page, 'Escape');
  await waitScreen(page, 'series');
  await press(page, 'Escape');
  await waitScreen(page, 'home');

  step(`walk ${width}x${height}: search`);
  await moveTo(page, 'home-search');
  await press(page, 'Enter');
  await waitScreen(page, 'search');
  for (const ch of job.query.toUpperCase()) await press(page, ch.toLowerCase());
  await page.waitForFunction((q) => { const r = document.querySelector('.results'); return r && r.getAttribute('data-query') === q && r.children.length; },
    job.query.toUpperCase(), { timeout: WAIT_MS });
  results.push(await explore(page, 'search'));
  await page.close();
  return results;
}

// ---- 3. a busy server ----
async function pairedHome(context, code) {
  const page = await context.newPage();
  watchErrors(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(new URL('/tv/', base).href);
  await waitScreen(page, 'pair');
  for (const d of String(code)) await press(page, d);
  await moveTo(page, 'pad-ok');
  await press(page, 'Enter');
  await waitScreen(page, 'home');
  await page.waitForSelector('.card', { timeout: WAIT_MS });
  return page;
}

async function busy(context) {
  step('busy: home');
  const page = await pairedHome(context, job.codes[0]);
  const card = await page.evaluate((id) => {
    const c = document.querySelector(`.card[data-film="${id}"]`);
    return c && c.getAttribute('data-fid');
  }, job.busy_film);
  if (!card) throw new Error(`film ${job.busy_film} is not on the home screen`);
  await moveTo(page, card);
  await press(page, 'Enter');
  await waitScreen(page, 'film');
  step('busy: play');
  await press(page, 'Enter');
  await waitScreen(page, 'busy');
  out.busy = await page.evaluate(() => ({ heading: document.querySelector('.message h1').textContent, text: document.querySelector('.message p').textContent }));
  await shot(page, 'busy');
  step('busy: back');
  await press(page, 'Escape');
  await waitScreen(page, 'film');
  await page.close();
}

// Wrong pairing codes, again and again: the server throttles this address and the screen
// says so (how long to wait), not just "wrong".
async function throttled(context) {
  step('throttle');
  const page = await context.newPage();
  watchErrors(page);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(new URL('/tv/', base).href);
  await waitScreen(page, 'pair');
  const said = [];
  const count = () => page.evaluate(() => +(document.querySelector('.pair .note').getAttribute('data-said') || 0));
  for (let i = 0; i < 8; i++) {
    for (const d of '000000') await press(page, d);
    await moveTo(page, 'pad-ok');
    const before = await count();
    await press(page, 'Enter');
    // "Pairing…", then the answer: the note counts what it said.
    await page.waitForFunction((n) => +(document.querySelector('.pair .note').getAttribute('data-said') || 0) >= n + 2,
      before, { timeout: WAIT_MS });
    const text = await page.evaluate(() => document.querySelector('.note.bad').textContent);
    said.push(text);
    if (text.includes('分钟后再试')) break;
  }
  out.throttle = said;
  await shot(page, 'pair-throttled');
  await page.close();
}

let browser;
try {
  mkdirSync(job.shots, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  out.chromium = browser.version();
  if (job.busy_film) {
    const ctx = await browser.newContext();
    await busy(ctx);
    await ctx.close();
    const fresh = await browser.newContext();
    await throttled(fresh);
    await fresh.close();
  } else {
    const flowContext = await browser.newContext();
    await flow(flowContext);
    await flowContext.close();
    for (const [w, h, code] of [[1280, 720, job.codes[1]], [1920, 1080, job.codes[2]]]) {
      const ctx = await browser.newContext();
      out.walks[`${w}x${h}`] = await walkSize(ctx, w, h, code);
      await ctx.close();
    }
  }
  const bad = [];
  for (const [size, screens] of Object.entries(out.walks)) {
    for (const s of screens) {
      if (s.missing && s.missing.length) bad.push(`${size} ${s.screen}: not reached ${s.missing.join(', ')}`);
      for (const p of s.problems) bad.push(`${size} ${s.screen}: ${p}`);
    }
  }
  out.ok = bad.length === 0;
  if (!out.ok) out.error = bad.join('\n');
} catch (e) {
  out.error = `${out.at}: ${e.message}`;
} finally {
  if (browser) await browser.close().catch(() => {});
}
finish(out.ok ? 0 : 1);
