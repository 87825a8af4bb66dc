// The player: hls.js where Media Source Extensions exist, the TV's own HLS otherwise, the
// progressive tv.mp4 last. OK pauses, left/right seek (held: faster), up/down show the info
// bar, Back asks before stopping. Prompt cues appear at their times; the showing is reported
// to the plays API. A busy server gets a "正在准备，约 N 分钟" screen.
(() => {
  'use strict';
  const ui = TV.ui;
  const el = ui.el;

  const CUE_SHOW_MS = 8000;
  const INFO_SHOW_MS = 6000;
  const RETRY_MS = 3000;
  const SEEK_APPLY_MS = 500;

  TV.screens = TV.screens || {};

  // The minutes in a busy answer: its sentence says "约 N 分钟", else Retry-After.
  function busyMinutes(message, retryAfter) {
    const m = /约\s*(\d+)\s*分钟/.exec(message || '');
    if (m) return parseInt(m[1], 10);
    return Math.max(1, Math.ceil((retryAfter || 60) / 60));
  }

  // Asks for the master playlist first: a busy server answers 503 before anything plays.
  async function preflight(url) {
    let res;
    try { res = await fetch(url, { credentials: 'same-origin' }); } catch (e) { return null; }
    if (res.status !== 503) return null;
    const retry = parseInt(res.headers.get('Retry-After') || '', 10);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { minutes: busyMinutes(data && data.message, isNaN(retry) ? null : retry), retry_s: isNaN(retry) ? 60 : retry };
  }

  // The index of the level with the lowest bit rate.
  function lowestLevel(levels) {
    let best = 0;
    for (let i = 1; i < levels.length; i++) if (levels[i].bitrate < levels[best].bitrate) best = i;
    return best;
  }

  class Player {
    constructor(film, startAt, parts) {
      this.film = film;
      this.startAt = startAt || 0;
      this.parts = parts;
      this.video = parts.video;
      this.pos = this.startAt;
      this.hls = null;
      this.reporter = null;
      this.done = false;
      this.shown = {};
      this.seekTarget = null;
      this.seekStep = 10;
    }

    duration() {
      const d = this.video.duration;
      return isFinite(d) && d > 0 ? d : ui.duration(this.film);
    }

    async begin() {
      const film = this.film;
      if (film.hls_url) {
        const busy = await preflight(film.hls_url);
        if (this.done) return;
        if (busy) { this.busy(busy); return; }
      }
      const v = this.video;
      v.addEventListener('timeupdate', () => { this.onTime(); });
      v.addEventListener('playing', () => { this.onPlaying(); });
      v.addEventListener('pause', () => { this.drawPaused(); });
      v.addEventListener('play', () => { this.drawPaused(); });
      v.addEventListener('ended', () => { this.finish(); });
      v.addEventListener('error', () => { this.onNativeError(); });
      this.attach();
    }

    // Chooses how to play: hls.js, native HLS, then tv.mp4.
    attach() {
      const film = this.film;
      const v = this.video;
      if (film.hls_url && window.Hls && window.Hls.isSupported()) {
        this.how = 'hls.js';
        this.attachHls();
      } else if (film.hls_url && v.canPlayType('application/vnd.apple.mpegurl')) {
        this.how = 'native';
        this.attachNative(film.hls_url);
      } else if (film.tv_mp4_url) {
        this.how = 'mp4';
        this.attachNative(film.tv_mp4_url);
      } else {
        this.fail(TV.t('player_no_source'));
      }
    }

    attachHls() {
      const Hls = window.Hls;
      // How hls.js starts matters on a village's 2 Mbit/s link. startLevel -1: the first
      // segment comes from the lowest rung and measures the link (hls.js's bandwidth test);
      // when no rung looks loadable in time at that measure, hls.js falls back to the first
      // variant of the master playlist — our top rung — so a slow or stalling link waited
      // ~12 s for one 720p segment before the picture came. The fallback is the lowest rung
      // instead (firstLevel), set before loading starts (autoStartLoad off).
      const hls = new Hls({ startPosition: this.pos, startLevel: -1, autoStartLoad: false, capLevelToPlayerSize: true, enableWorker: true });
      this.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        hls.firstLevel = lowestLevel(hls.levels);
        // The position is given again: a load started by hand does not read the config's.
        hls.startLoad(hls.config.startPosition);
        this.play();
      });
      hls.on(Hls.Events.ERROR, (ev, d) => {
        if (!d.fatal || this.done) return;
        const status = d.response && d.response.code;
        if (status === 503) { this.recheckBusy(); return; }
        if (d.type === Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        this.reconnect();
      });
      hls.loadSource(this.film.hls_url);
      hls.attachMedia(this.video);
    }

    attachNative(url) {
      const v = this.video;
      const at = this.pos;
      v.src = url;
      const seekOnce = () => {
        v.removeEventListener('loadedmetadata', seekOnce);
        if (at > 0) { try { v.currentTime = at; } catch (e) { /* seek when it can */ } }
      };
      v.addEventListener('loadedmetadata', seekOnce);
      this.play();
    }

    play() {
      const p = this.video.play();
      if (p && p.catch) p.catch(() => { /* the next OK press plays */ });
    }

    onNativeError() {
      if (this.how === 'hls.js' || this.done) return;
      this.reconnect();
    }

    // A network drop: say so, then start again from where it was.
    reconnect() {
      if (this.reconnecting) return;
      this.reconnecting = true;
      this.parts.status.textContent = TV.t('player_reconnecting');
      this.parts.status.classList.add('on');
      setTimeout(() => {
        this.reconnecting = false;
        if (this.done) return;
        if (this.hls) { this.hls.destroy(); this.hls = null; }
        this.attach();
      }, RETRY_MS);
    }

    async recheckBusy() {
      const busy = await preflight(this.film.hls_url);
      if (busy) this.busy(busy); else this.reconnect();
    }

    onPlaying() {
      this.parts.status.classList.remove('on');
      if (!this.reporter) {
        this.reporter = new TV.api.Reporter(this.film.id, this.pos, () => this.pos);
      }
    }

    onTime() {
      const t = this.video.currentTime;
      if (this.seekTarget === null && !this.video.seeking) this.pos = t;
      const cues = this.film.cues || [];
      for (let i = 0; i < cues.length; i++) {
        const c = cues[i];
        if (t >= c.at_s && t < c.at_s + CUE_SHOW_MS / 1000 && !this.shown[i]) {
          this.shown[i] = true;
          this.showCue(c.text);
        } else if (t < c.at_s) {
          this.shown[i] = false;
        }
      }
      if (this.parts.info.classList.contains('on')) this.drawInfo();
    }

    showCue(text) {
      const cue = this.parts.cue;
      cue.lastChild.textContent = text;
      cue.setAttribute('data-shown-at', String(this.video.currentTime));
      cue.classList.add('on');
      clearTimeout(this.cueTimer);
      this.cueTimer = setTimeout(() => { cue.classList.remove('on'); }, CUE_SHOW_MS);
    }

    drawInfo() {
      const d = this.duration();
      const at = this.seekTarget !== null ? this.seekTarget : this.video.currentTime;
      this.parts.infoTime.textContent = `${ui.clock(at)} / ${ui.clock(d)}`;
      this.parts.infoFill.style.width = `${d ? Math.min(100, 100 * at / d) : 0}%`;
    }

    showInfo(stay) {
      const info = this.parts.info;
      this.drawInfo();
      info.classList.add('on');
      clearTimeout(this.infoTimer);
      if (!stay) this.infoTimer = setTimeout(() => { if (!this.video.paused) info.classList.remove('on'); }, INFO_SHOW_MS);
    }

    toggleInfo() {
      if (this.parts.info.classList.contains('on') && !this.video.paused) this.parts.info.classList.remove('on');
      else this.showInfo(false);
    }

    drawPaused() {
      const paused = this.video.paused && !this.video.ended;
      if (paused) this.parts.paused.classList.add('on'); else this.parts.paused.classList.remove('on');
      if (paused) this.showInfo(true); else this.showInfo(false);
    }

    toggle() {
      if (this.video.paused) this.play(); else this.video.pause();
    }

    // Left/right: ∓10 s a press; held down, the steps grow.
    seek(dir, held) {
      this.seekStep = held ? Math.min(120, this.seekStep + 5) : 10;
      const base = this.seekTarget !== null ? this.seekTarget : this.video.currentTime;
      const end = Math.max(0, this.duration() - 1);
      this.seekTarget = Math.max(0, Math.min(end, base + dir * this.seekStep));
      this.showInfo(false);
      clearTimeout(this.seekTimer);
      this.seekTimer = setTimeout(() => { this.applySeek(); }, SEEK_APPLY_MS);
    }

    applySeek() {
      clearTimeout(this.seekTimer);
      if (this.seekTarget === null) return;
      const to = this.seekTarget;
      this.seekTarget = null;
      this.pos = to;
      try { this.video.currentTime = to; } catch (e) { /* not seekable yet */ }
    }

    stopMedia() {
      this.done = true;
      clearTimeout(this.cueTimer);
      clearTimeout(this.infoTimer);
      clearTimeout(this.seekTimer);
      if (this.hls) { this.hls.destroy(); this.hls = null; }
      try { this.video.pause(); this.video.removeAttribute('src'); this.video.load(); } catch (e) { /* gone */ }
    }

    // The end of the showing (stopped or played out): report it, then sign-in.
    finish() {
      if (this.done) return;
      const d = this.duration();
      const pos = this.video.ended ? d : this.pos;
      this.pos = pos;
      this.stopMedia();
      if (d && pos < d * 0.95 && pos >= 1) TV.resume[this.film.id] = pos; else delete TV.resume[this.film.id];
      const ending = this.reporter ? this.reporter.end() : Promise.resolve(null);
      TV.app.replace('after', { film: this.film, ending });
    }

    busy(busy) {
      this.stopMedia();
      TV.app.replace('busy', { film: this.film, start_s: this.pos, minutes: busy.minutes, retry_s: busy.retry_s });
    }

    fail(text) {
      this.stopMedia();
      TV.app.replace('error', { title: this.film.title, text: TV.t('player_error', { detail: text }) });
    }
  }

  function confirmStop(entry) {
    const p = entry.player;
    const keep = ui.button(TV.t('player_keep'), () => { closeModal(entry); }, 'stop-keep');
    keep.setAttribute('data-default', '');
    const stop = ui.button(TV.t('player_stop'), () => { closeModal(entry); p.finish(); }, 'stop-yes');
    stop.classList.add('danger');
    const box = el('div.modal', el('div.dialog', [el('h1', TV.t('player_stop_title')), el('p', TV.t('player_stop_text')), el('div.btn-row', [keep, stop])]));
    entry.el.appendChild(box);
    entry.modal = box;
    TV.nav.reset();
    TV.nav.ensure();
  }

  function closeModal(entry) {
    if (entry.modal && entry.modal.parentNode) entry.modal.parentNode.removeChild(entry.modal);
    entry.modal = null;
    TV.nav.reset();
  }

  TV.screens.player = {
    render(params, entry) {
      const film = params.film;
      const video = el('video.video');
      video.setAttribute('playsinline', '');
      video.setAttribute('autoplay', '');
      const cue = el('div.cue', [el('div.cue-label', TV.t('player_cue')), el('div.cue-text', '')]);
      const infoFill = el('div.bar-fill');
      const infoTime = el('div.info-time');
      const info = el('div.info', [el('div.info-title', film.title), el('div.bar', infoFill), el('div.info-line', [infoTime, el('div.info-keys', TV.t('player_keys'))])]);
      const paused = el('div.paused', [el('div.paused-icon', '❚❚'), el('div', TV.t('player_paused'))]);
      const status = el('div.player-status');
      const node = el('div.screen.player', [video, cue, paused, status, info]);
      entry.player = new Player(film, params.start_s, { video, cue, info, infoFill, infoTime, paused, status });
      return node;
    },
    onShow(entry) {
      if (!entry.started) { entry.started = true; entry.player.begin(); }
    },
    onKey(key, current, entry) {
      if (entry.modal) return false;
      const p = entry.player;
      if (key.name === 'ok' || key.name === 'playpause') { p.toggle(); return true; }
      if (key.name === 'left' || key.name === 'right') { p.seek(key.name === 'left' ? -1 : 1, key.repeat); return true; }
      if (key.name === 'up' || key.name === 'down') { p.toggleInfo(); return true; }
      return false;
    },
    onKeyUp(key, entry) {
      if (!entry.modal && (key.name === 'left' || key.name === 'right')) entry.player.applySeek();
    },
    onBack(entry) {
      if (entry.modal) closeModal(entry); else confirmStop(entry);
      return true;
    },
    onLeave(entry) {
      if (!entry.player.done) {
        entry.player.stopMedia();
        if (entry.player.reporter) entry.player.reporter.end();
      }
    }
  };

  TV.screens.busy = {
    render(params, entry) {
      let left = params.retry_s || 60;
      const text = el('p', '');
      const again = () => { TV.app.replace('player', { film: params.film, start_s: params.start_s }); };
      const retry = ui.button(TV.t('retry'), again, 'busy-retry');
      retry.setAttribute('data-default', '');
      const box = el('div.message.busy', [el('h1', TV.t('player_busy', { min: params.minutes })), text,
        el('div.btn-row', [retry, ui.button(TV.t('go_back'), () => { TV.app.back(); }, 'busy-back')])]);
      const draw = () => { text.textContent = TV.t('player_busy_text', { sec: left }); };
      draw();
      entry.timer = setInterval(() => {
        left -= 1;
        if (left <= 0) { clearInterval(entry.timer); again(); } else draw();
      }, 1000);
      return ui.screen('busy', params.film.title, box);
    },
    onLeave(entry) { clearInterval(entry.timer); }
  };
})();
