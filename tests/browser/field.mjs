// A film played on our TV page (web/tv, with its own hls.js settings) in Debian's Chromium
// through a link: for each run, the page is opened at that run's base URL — the server
// itself, or the shaping proxy in front of it (tests/api/support/shaper.rs) — so the page,
// hls.js, the playlists and every segment come over that link. The TV is paired with the
// run's code, opens the film from the home screen and plays it, keys only, at 1280×720.
//
//   node tests/browser/field.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"film": ID, "watch_s": media seconds to play, "timeout_ms": wall limit per
// run, "runs": [{"name", "base", "code", "film"?}]} (a run may name its own film). A run
// ends when the film has played `watch_s` seconds, has ended, or the time is up. For each
// run it reports: start-up (pressing play → the first `playing` event), stalls (`waiting`
// events after the first `playing`, and their total time until playback resumed), how far
// the film got, and every segment request with its rung (the folder in /hls/ID/RUNG/…,
// i.e. the level hls.js chose) and when it was made. Prints one JSON line {"ok",
// "chromium", "runs": [...], "error"}; exits 1 when a run could not even start. Nothing
// leaves loopback.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { focusState, moveTo, press, waitScreen } from './tv-keys.mjs';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';

const [, jobJson] = process.argv.slice(2);
let job;
try {
  job = JSON.parse(jobJson);
  if (!job.film || !(job.watch_s > 0) || !Array.isArray(job.runs)) throw new Error('needs film, watch_s, runs');
} catch (e) {
  console.error(`usage: node tests/browser/field.mjs BASE_URL JOB_JSON (${e.message})`);
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error(`field.mjs: playwright-core is not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

// Installed before the page's own scripts: media events do not bubble, but a capturing
// listener on the document sees every <video>'s.
const RECORD_MEDIA_EVENTS = () => {
  window.__field = { events: [], pressed: null };
  for (const type of ['waiting', 'playing', 'ended', 'error']) {
    document.addEventListener(type, (e) => {
      if (e.target && e.target.localName === 'video') window.__field.events.push([type, performance.now(), e.target.currentTime]);
    }, true);
  }
};

// Start-up and stalls from the recorded events, in the page.
const SUMMARY = () => {
  const f = window.__field;
  const v = document.querySelector('video');
  const now = performance.now();
  let first = null;
  let waitingSince = null;
  const stalls = [];
  for (const [type, t, at] of f.events) {
    if (type === 'playing') {
      if (first === null) first = t;
      else if (waitingSince !== null) stalls.push({ at_s: at, ms: Math.round(t - waitingSince) });
      waitingSince = null;
    } else if (type === 'waiting' && first !== null && waitingSince === null) {
      waitingSince = t;
    }
  }
  // A stall still going on when the run ended counts up to now.
  if (waitingSince !== null) stalls.push({ at_s: v ? v.currentTime : null, ms: Math.round(now - waitingSince), unfinished: true });
  return {
    startup_ms: first === null ? null : Math.round(first - f.pressed),
    stalls: stalls.length,
    stall_ms: stalls.reduce((s, x) => s + x.ms, 0),
    stall_list: stalls,
    current_time_s: v ? v.currentTime : null,
    ended: v ? v.ended : null,
    wall_ms: Math.round(now - f.pressed),
    video_error: v && v.error ? v.error.message : null,
    hls_js: window.Hls ? window.Hls.version : null,
  };
};

async function run(browser, r) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const out = { name: r.name, segments: [], page_errors: [] };
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => out.page_errors.push(String(e)));
    await page.addInitScript(RECORD_MEDIA_EVENTS);
    let pressedAt = null;
    page.on('request', (q) => {
      const m = /\/hls\/[^/]+\/([^/]+)\/([^/?]+\.ts)(\?|$)/.exec(new URL(q.url()).pathname);
      if (m && pressedAt !== null) out.segments.push({ t_ms: Date.now() - pressedAt, rung: m[1], file: m[2] });
    });
    out.at = 'pair';
    await page.goto(new URL('/tv/', r.base).href);
    await waitScreen(page, 'pair');
    for (const d of String(r.code)) await press(page, d);
    await moveTo(page, 'pad-ok');
    await press(page, 'Enter');
    await waitScreen(page, 'home');
    out.at = 'film';
    const film = r.film || job.film;
    await page.waitForSelector(`.card[data-film="${film}"]`, { timeout: 20_000 });
    const card = await page.evaluate((id) => document.querySelector(`.card[data-film="${id}"]`).getAttribute('data-fid'), film);
    await moveTo(page, card);
    await press(page, 'Enter');
    await waitScreen(page, 'film');
    // A station that stopped in this film before is offered to resume: start over instead.
    if ((await focusState(page)).fid === 'film-resume') await moveTo(page, 'film-restart');
    out.at = 'play';
    await page.evaluate(() => { window.__field.pressed = performance.now(); });
    pressedAt = Date.now();
    await press(page, 'Enter');
    await page.waitForFunction((target) => {
      const v = document.querySelector('video');
      return v && (v.currentTime >= target || v.ended || v.error);
    }, job.watch_s, { timeout: job.timeout_ms, polling: 250 }).catch(() => { out.timed_out = true; });
    Object.assign(out, await page.evaluate(SUMMARY));
    const last = out.segments[out.segments.length - 1];
    out.final_rung = last ? last.rung : null;
    out.rungs_in_order = out.segments.map((s) => s.rung).filter((x, i, a) => i === 0 || a[i - 1] !== x);
    delete out.at;
  } catch (e) {
    out.error = `${out.at}: ${e.message}`;
  } finally {
    await context.close().catch(() => {});
  }
  return out;
}

const result = { ok: false, chromium: null, runs: [] };
let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  result.chromium = browser.version();
  for (const r of job.runs) result.runs.push(await run(browser, r));
  const failed = result.runs.filter((r) => r.error);
  result.ok = failed.length === 0;
  if (!result.ok) result.error = failed.map((r) => `${r.name}: ${r.error}`).join('; ');
} catch (e) {
  result.error = `browser run failed: ${e.message}`;
} finally {
  if (browser) await browser.close().catch(() => {});
}
console.log(JSON.stringify(result));
if (!result.ok) {
  console.error(`field.mjs: ${result.error}`);
  process.exit(1);
}
