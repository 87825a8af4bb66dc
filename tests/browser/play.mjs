// Plays prepared films in a real browser: Debian's Chromium, driven by playwright-core, launched
// once for the whole list. For each film, first the HLS master through hls.js (Media Source
// Extensions, as the TV UI will) in a <video> — an <audio> for a sound-only film — then, when
// the film has one, the progressive tv.mp4 in a plain <video> (as a DLNA TV or a simple browser
// would). Each playback must get past TARGET_S within TIMEOUT_MS with no fatal error, and a
// playback with a picture must have decoded frames. Each runs in a fresh page of the one
// browser, at most PARALLEL at a time.
//
//   node tests/browser/play.mjs BASE_URL FILMS_JSON
//
// FILMS_JSON is a JSON array of {"name", "hls", "tv_mp4"?, "audio_only"?} with absolute URLs.
// Prints one JSON line ({"ok":…,"chromium":…,"codecs":{…},"films":[{"name","ok","error",
// "hls":{…},"tv_mp4":{…}}]}) and exits 0 when every film played; otherwise the same line with
// "ok":false, one line per failed film on stderr, and exit 1. Nothing is fetched from the
// internet: the page's origin is the server under test (BASE_URL/healthz) and hls.js is
// injected from web/node_modules.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// playwright-core and hls.js live in web/node_modules (`make web-deps`), not beside this file.
const webPackage = fileURLToPath(new URL('../../web/package.json', import.meta.url));
const require = createRequire(webPackage);
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const TARGET_S = 1.0;
const TIMEOUT_MS = 30_000;
// Playbacks at once: each waits on the media clock (a second or more), not on the CPU.
const PARALLEL = 4;

const [base, filmsJson] = process.argv.slice(2);
let films;
try {
  films = JSON.parse(filmsJson);
  if (!Array.isArray(films) || !films.every((f) => f && f.name && f.hls)) throw new Error('not a list of {name, hls}');
} catch (e) {
  console.error(`usage: node tests/browser/play.mjs BASE_URL FILMS_JSON (${e.message})`);
  process.exit(2);
}

let chromium, HLS_JS;
try {
  ({ chromium } = require('playwright-core'));
  HLS_JS = require.resolve('hls.js/dist/hls.min.js');
} catch (e) {
  console.error(`play.mjs: web/'s test packages are not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

// Runs in the page: waits until `media` plays past `target` seconds, or fails.
// `fatal()` returns a player's fatal error, if any. Resolves to a plain result object.
const WAIT_FOR_PLAYBACK = `
  window.waitForPlayback = (media, target, timeoutMs, fatal) => new Promise((resolve) => {
    const started = performance.now();
    const report = (ok, error) => {
      const q = media.getVideoPlaybackQuality ? media.getVideoPlaybackQuality() : {};
      resolve({
        ok, error,
        element: media.localName,
        current_time_s: media.currentTime,
        duration_s: media.duration,
        width: media.videoWidth ?? 0, height: media.videoHeight ?? 0,
        decoded_video_frames: q.totalVideoFrames ?? null,
        dropped_video_frames: q.droppedVideoFrames ?? null,
        video_bytes_decoded: media.webkitVideoDecodedByteCount ?? null,
        audio_bytes_decoded: media.webkitAudioDecodedByteCount ?? null,
        waited_ms: Math.round(performance.now() - started),
      });
    };
    const tick = () => {
      const f = fatal();
      if (f) return report(false, f);
      if (media.error) return report(false, 'media error ' + media.error.code + ': ' + media.error.message);
      if (media.currentTime > target) return report(true, null);
      if (performance.now() - started > timeoutMs) {
        return report(false, 'currentTime stayed at ' + media.currentTime + ' s for ' + timeoutMs +
          ' ms (readyState ' + media.readyState + ', networkState ' + media.networkState + ')');
      }
      setTimeout(tick, 100);
    };
    tick();
  });
`;

// A page on the server's origin holding one muted <video> or <audio> with id `m`.
async function freshPage(context, element) {
  const page = await context.newPage();
  const console_ = [];
  // Errors are reported, not judged (the browser's own /favicon.ico request gets a 404).
  page.on('console', (m) => { if (m.type() === 'error') console_.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => console_.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) console_.push(`HTTP ${r.status()} ${r.url()}`); });
  // Same origin as the server under test, so no request is cross-origin.
  const res = await page.goto(new URL('/healthz', base).href);
  if (!res || !res.ok()) throw new Error(`GET ${base}/healthz: ${res ? res.status() : 'no response'}`);
  await page.setContent(`<!doctype html><meta charset=utf-8><${element} id=m muted playsinline></${element}>`);
  await page.addScriptTag({ content: WAIT_FOR_PLAYBACK });
  return { page, console_ };
}

// Runs `play` (a function evaluated in the page, given `arg`) in a fresh page, after the
// script files `scripts`; a thrown error becomes a failed result rather than ending the run,
// so the other films still play.
async function inPage(context, element, scripts, play, arg) {
  let page;
  try {
    const fresh = await freshPage(context, element);
    page = fresh.page;
    for (const path of scripts) await page.addScriptTag({ path });
    const result = await page.evaluate(play, arg);
    result.console_errors = fresh.console_;
    return result;
  } catch (e) {
    return { ok: false, error: `page failed: ${e.message}` };
  } finally {
    if (page) await page.close().catch(() => {});
  }
}

async function playHls(context, film) {
  const element = film.audio_only ? 'audio' : 'video';
  return inPage(context, element, [HLS_JS], async ({ url, target, timeoutMs }) => {
    const media = document.getElementById('m');
    if (!window.Hls || !Hls.isSupported()) {
      return { ok: false, error: 'hls.js reports no Media Source Extensions in this browser' };
    }
    const hls = new Hls({ enableWorker: true });
    let fatal = null;
    const errors = [];
    hls.on(Hls.Events.ERROR, (_, d) => {
      const what = `${d.type}/${d.details}${d.reason ? ': ' + d.reason : ''}${d.error ? ': ' + d.error.message : ''}`;
      if (d.fatal) fatal = 'hls.js fatal error ' + what; else errors.push(what);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      media.play().catch((e) => { fatal = fatal || 'play() refused: ' + e.message; });
    });
    hls.loadSource(url);
    hls.attachMedia(media);
    const r = await window.waitForPlayback(media, target, timeoutMs, () => fatal);
    r.hls_js = Hls.version;
    r.levels = hls.levels.map((l) => ({ height: l.height, bitrate: l.bitrate, codecs: [l.videoCodec, l.audioCodec].filter(Boolean).join(',') }));
    r.non_fatal_errors = errors;
    hls.destroy();
    return r;
  }, { url: film.hls, target: TARGET_S, timeoutMs: TIMEOUT_MS });
}

async function playMp4(context, film) {
  return inPage(context, 'video', [], async ({ url, target, timeoutMs }) => {
    const media = document.getElementById('m');
    let fatal = null;
    media.src = url;
    media.play().catch((e) => { fatal = 'play() refused: ' + e.message; });
    return window.waitForPlayback(media, target, timeoutMs, () => fatal);
  }, { url: film.tv_mp4, target: TARGET_S, timeoutMs: TIMEOUT_MS });
}

// One film's playbacks, judged: ok when each played and each with a picture decoded frames.
async function playFilm(context, film) {
  const out = { name: film.name, hls: await playHls(context, film) };
  if (film.tv_mp4) out.tv_mp4 = await playMp4(context, film);
  const failed = [];
  for (const how of ['hls', 'tv_mp4']) {
    const r = out[how];
    // Sound-only films have no frames to count; a playback with a picture must have some.
    if (r && r.ok && r.width > 0 && !(r.decoded_video_frames > 0)) {
      r.ok = false;
      r.error = 'playback advanced but no video frame was decoded';
    }
    if (r && !r.ok) failed.push(`${how}: ${r.error}`);
  }
  out.ok = failed.length === 0;
  out.error = out.ok ? null : failed.join('; ');
  return out;
}

// What the browser says it can decode, so a failure tells codecs apart from serving.
async function codecSupport(context) {
  const page = await context.newPage();
  const s = await page.evaluate(() => {
    const v = document.createElement('video');
    return {
      mse_h264_aac: window.MediaSource?.isTypeSupported('video/mp4; codecs="avc1.64001f,mp4a.40.2"') ?? false,
      mse_mp3: window.MediaSource?.isTypeSupported('audio/mpeg') ?? false,
      video_h264_aac: v.canPlayType('video/mp4; codecs="avc1.64001f,mp4a.40.2"'),
    };
  });
  await page.close();
  return s;
}

// Plays `films` with at most PARALLEL at once; results keep the list's order.
async function playAll(context) {
  const results = new Array(films.length);
  let next = 0;
  const lane = async () => {
    while (next < films.length) {
      const i = next++;
      results[i] = await playFilm(context, films[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, films.length) }, lane));
  return results;
}

const profile = mkdtempSync(join(tmpdir(), 'dianjiao-chromium-'));
const out = { ok: false };
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  out.chromium = context.browser()?.version() ?? null;
  out.codecs = await codecSupport(context);
  out.films = await playAll(context);
  const failed = out.films.filter((f) => !f.ok);
  out.ok = failed.length === 0;
  if (!out.ok) out.error = failed.map((f) => `${f.name}: ${f.error}`).join('\n');
} catch (e) {
  out.error = `browser run failed: ${e.message}`;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

console.log(JSON.stringify(out));
if (!out.ok) {
  console.error(`play.mjs: did not play:\n${out.error}`);
  process.exit(1);
}
