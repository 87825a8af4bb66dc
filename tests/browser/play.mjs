// Plays one prepared film in a real browser: Debian's Chromium, driven by playwright-core.
// First the HLS master through hls.js (Media Source Extensions, as the TV UI will), then the
// progressive tv.mp4 in a plain <video> (as a DLNA TV or a simple browser would). Each must
// get past TARGET_S of playback within TIMEOUT_MS with no fatal error and decoded frames.
//
//   node tests/browser/play.mjs BASE_URL HLS_MASTER_URL [TV_MP4_URL]
//
// Prints one JSON line ({"ok":true,"chromium":…,"hls":{…},"tv_mp4":{…}}) and exits 0, or
// prints the same line with "ok":false and a reason on stderr and exits 1. Nothing is fetched
// from the internet: the page's origin is the server under test (BASE_URL/healthz) and hls.js
// is injected from web/node_modules.

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

const [base, hlsUrl, tvUrl] = process.argv.slice(2);
if (!base || !hlsUrl) {
  console.error('usage: node tests/browser/play.mjs BASE_URL HLS_MASTER_URL [TV_MP4_URL]');
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

// Runs in the page: waits until `video` plays past `target` seconds, or fails.
// `fatal()` returns a player's fatal error, if any. Resolves to a plain result object.
const WAIT_FOR_PLAYBACK = `
  window.waitForPlayback = (video, target, timeoutMs, fatal) => new Promise((resolve) => {
    const started = performance.now();
    const report = (ok, error) => {
      const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : {};
      resolve({
        ok, error,
        current_time_s: video.currentTime,
        duration_s: video.duration,
        width: video.videoWidth, height: video.videoHeight,
        decoded_video_frames: q.totalVideoFrames ?? null,
        dropped_video_frames: q.droppedVideoFrames ?? null,
        video_bytes_decoded: video.webkitVideoDecodedByteCount ?? null,
        audio_bytes_decoded: video.webkitAudioDecodedByteCount ?? null,
        waited_ms: Math.round(performance.now() - started),
      });
    };
    const tick = () => {
      const f = fatal();
      if (f) return report(false, f);
      if (video.error) return report(false, 'media error ' + video.error.code + ': ' + video.error.message);
      if (video.currentTime > target) return report(true, null);
      if (performance.now() - started > timeoutMs) {
        return report(false, 'currentTime stayed at ' + video.currentTime + ' s for ' + timeoutMs +
          ' ms (readyState ' + video.readyState + ', networkState ' + video.networkState + ')');
      }
      setTimeout(tick, 100);
    };
    tick();
  });
`;

async function freshPage(context) {
  const page = await context.newPage();
  const console_ = [];
  // Errors are reported, not judged (the browser's own /favicon.ico request gets a 404).
  page.on('console', (m) => { if (m.type() === 'error') console_.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => console_.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) console_.push(`HTTP ${r.status()} ${r.url()}`); });
  // Same origin as the server under test, so no request is cross-origin.
  const res = await page.goto(new URL('/healthz', base).href);
  if (!res || !res.ok()) throw new Error(`GET ${base}/healthz: ${res ? res.status() : 'no response'}`);
  await page.setContent('<!doctype html><meta charset=utf-8><video id=v muted playsinline></video>');
  await page.addScriptTag({ content: WAIT_FOR_PLAYBACK });
  return { page, console_ };
}

async function playHls(context) {
  const { page, console_ } = await freshPage(context);
  await page.addScriptTag({ path: HLS_JS });
  const result = await page.evaluate(async ({ url, target, timeoutMs }) => {
    const video = document.getElementById('v');
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
      video.play().catch((e) => { fatal = fatal || 'video.play() refused: ' + e.message; });
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    const r = await window.waitForPlayback(video, target, timeoutMs, () => fatal);
    r.hls_js = Hls.version;
    r.levels = hls.levels.map((l) => ({ height: l.height, bitrate: l.bitrate, codecs: [l.videoCodec, l.audioCodec].filter(Boolean).join(',') }));
    r.non_fatal_errors = errors;
    hls.destroy();
    return r;
  }, { url: hlsUrl, target: TARGET_S, timeoutMs: TIMEOUT_MS });
  result.console_errors = console_;
  await page.close();
  return result;
}

async function playMp4(context) {
  const { page, console_ } = await freshPage(context);
  const result = await page.evaluate(async ({ url, target, timeoutMs }) => {
    const video = document.getElementById('v');
    let fatal = null;
    video.src = url;
    video.play().catch((e) => { fatal = 'video.play() refused: ' + e.message; });
    return window.waitForPlayback(video, target, timeoutMs, () => fatal);
  }, { url: tvUrl, target: TARGET_S, timeoutMs: TIMEOUT_MS });
  result.console_errors = console_;
  await page.close();
  return result;
}

// What the browser says it can decode, so a failure tells codecs apart from serving.
async function codecSupport(context) {
  const page = await context.newPage();
  const s = await page.evaluate(() => {
    const v = document.createElement('video');
    return {
      mse_h264_aac: window.MediaSource?.isTypeSupported('video/mp4; codecs="avc1.64001f,mp4a.40.2"') ?? false,
      video_h264_aac: v.canPlayType('video/mp4; codecs="avc1.64001f,mp4a.40.2"'),
    };
  });
  await page.close();
  return s;
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
  out.hls = await playHls(context);
  if (tvUrl) out.tv_mp4 = await playMp4(context);
  const failed = [['hls', out.hls], ['tv_mp4', out.tv_mp4]].filter(([, r]) => r && !r.ok);
  for (const [name, r] of [['hls', out.hls], ['tv_mp4', out.tv_mp4]]) {
    // Audio-only films have no frames to count; a film with a picture must have decoded some.
    if (r && r.ok && r.width > 0 && !(r.decoded_video_frames > 0)) {
      r.ok = false;
      r.error = 'playback advanced but no video frame was decoded';
      failed.push([name, r]);
    }
  }
  out.ok = failed.length === 0;
  if (!out.ok) out.error = failed.map(([name, r]) => `${name}: ${r.error}`).join('; ');
} catch (e) {
  out.error = `browser run failed: ${e.message}`;
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

console.log(JSON.stringify(out));
if (!out.ok) {
  console.error(`play.mjs: ${out.error}`);
  process.exit(1);
}
