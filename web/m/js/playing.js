// While a pushed film plays: the TV's state and position (polled from the server, which asks
// the TV), pause/resume, ±30 s, stop, and the film's cue prompts shown large when the TV's
// reported position reaches each one, for the broadcaster to read out.
(() => {
  'use strict';
  const ui = M.ui;
  const el = ui.el;

  M.screens = M.screens || {};

  const POLL_MS = 2000;
  const STEP_S = 30;
  const ACTIVE = { starting: 1, playing: 1, paused: 1, transitioning: 1, unreachable: 1 };

  // The index of the last cue at or before `pos` (-1: none yet).
  function cueAt(cues, pos) {
    let at = -1;
    for (let i = 0; i < cues.length; i++) if (cues[i].at_s <= pos) at = i;
    return at;
  }

  // How the play ended, in the server's sentence, and the film time the register credits.
  function endedText(ended) {
    let text = ended.message || M.t('after_ended');
    if (typeof ended.watched_s === 'number') text += `\n${M.t('after_watched', { time: ui.clock(ended.watched_s) })}`;
    return text;
  }

  class Session {
    constructor(entry) {
      const p = entry.params;
      this.entry = entry;
      this.renderer = p.renderer;
      this.playId = p.play_id;
      this.film = p.film || null;
      this.cue = -1;
      this.last = null;
      this.timer = null;
      this.done = false;
    }

    path(action) {
      return `/api/v1/renderers/${encodeURIComponent(this.renderer.id)}/${action}`;
    }

    schedule() {
      clearTimeout(this.timer);
      if (!this.done) this.timer = setTimeout(() => { this.poll(); }, POLL_MS);
    }

    async poll() {
      const parts = this.entry.parts;
      try {
        const s = await M.api.get(this.path('status'));
        if (this.done) return;
        this.show(s);
      } catch (e) {
        if (this.done) return;
        parts.status.say(M.say(e), 'bad');
      }
      this.schedule();
    }

    // One status answer on the screen; the end of this play leads to the sign-in.
    show(s) {
      const parts = this.entry.parts;
      if (s.ended && s.ended.play_id === this.playId) { this.finish(endedText(s.ended)); return; }
      if (s.play_id && s.play_id !== this.playId) { this.lost(M.t('play_other')); return; }
      if (!s.play_id || !ACTIVE[s.state]) { this.lost(M.t('play_gone')); return; }
      this.last = s;
      const pos = s.position_s || 0;
      const dur = s.duration_s || ui.duration(this.film) || 0;
      parts.state.textContent = M.t(`play_state_${s.state}`);
      parts.state.setAttribute('data-state', s.state);
      parts.time.textContent = ui.clock(pos) + (dur ? ` / ${ui.clock(dur)}` : '');
      parts.time.setAttribute('data-position', String(pos));
      parts.fill.style.width = `${dur ? Math.min(100, 100 * pos / dur) : 0}%`;
      parts.pause.textContent = s.state === 'paused' ? M.t('play_resume') : M.t('play_pause');
      parts.status.say(s.message || '', s.state === 'unreachable' ? 'bad' : '');
      this.cues(pos);
    }

    cues(pos) {
      const cues = (this.film && this.film.cues) || [];
      const at = cueAt(cues, pos);
      if (at === this.cue) return;
      this.cue = at;
      const box = this.entry.parts.cue;
      if (at < 0) { box.className = 'cue'; return; }
      box.lastChild.textContent = cues[at].text;
      box.setAttribute('data-cue', String(at));
      box.setAttribute('data-shown-at', String(pos));
      box.className = 'cue on';
      if (navigator.vibrate) navigator.vibrate(200);
      const items = this.entry.el.querySelectorAll('.cue-list li');
      for (let i = 0; i < items.length; i++) items[i].className = i <= at ? 'passed' : '';
    }

    finish(why) {
      this.done = true;
      clearTimeout(this.timer);
      M.app.replace('after', { play_id: this.playId, film: this.film || { id: this.entry.params.film_id, title: '' }, why });
    }

    lost(why) {
      this.done = true;
      const parts = this.entry.parts;
      parts.status.say(why, 'bad');
      parts.controls.style.display = 'none';
      parts.after.style.display = '';
    }

    // A transport command; true when the TV took it, else the server's sentence is shown.
    async send(action, body) {
      try {
        await M.api.post(this.path(action), body);
        this.entry.parts.status.say('');
        return true;
      } catch (e) {
        if (e.code === 'nothing_pushed') this.finish(M.t('play_gone'));
        else this.entry.parts.status.say(M.say(e), 'bad');
        return false;
      }
    }

    // A command, then the TV's state at once.
    async command(action, body) {
      await this.send(action, body);
      if (!this.done) { clearTimeout(this.timer); this.poll(); }
    }

    seekBy(delta) {
      const s = this.last;
      if (!s) return;
      const dur = s.duration_s || ui.duration(this.film);
      let to = Math.max(0, (s.position_s || 0) + delta);
      if (dur) to = Math.min(to, Math.max(0, dur - 2));
      this.command('seek', { position_s: Math.floor(to) });
    }

    // Stopped, the play is over (the server ends it where the TV was): on to the sign-in.
    async stop() {
      clearTimeout(this.timer);
      if (!(await this.send('stop'))) {
        if (!this.done) this.schedule();
        return;
      }
      let why = M.t('after_stopped');
      try {
        const s = await M.api.get(this.path('status'));
        if (s.ended && s.ended.play_id === this.playId) why = endedText(s.ended);
      } catch (e) { /* the sign-in matters more than the sentence */ }
      this.finish(why);
    }
  }

  function controls(session) {
    const ask = el('div.ask', [el('p', M.t('play_stop_ask'))]);
    ask.style.display = 'none';
    const pause = ui.button(M.t('play_pause'), () => {
      session.command(session.last && session.last.state === 'paused' ? 'resume' : 'pause');
    }, 'primary.big', 'pause');
    const row = el('div.row', [
      ui.button(M.t('play_back30'), () => { session.seekBy(-STEP_S); }, 'big', 'back30'),
      pause,
      ui.button(M.t('play_fwd30'), () => { session.seekBy(STEP_S); }, 'big', 'fwd30')
    ]);
    // The TV's volume: the TV does not say its level, so the slider starts in the middle and
    // each release sends where it was left.
    const volume = el('input.volume');
    volume.type = 'range';
    volume.min = '0';
    volume.max = '100';
    volume.step = '5';
    volume.value = '50';
    volume.id = 'volume';
    volume.addEventListener('change', () => { session.send('volume', { level: Number(volume.value) }); });
    const volumeRow = el('label.volume-row', [el('span', M.t('play_volume')), volume]);
    const stop = ui.button(M.t('play_stop'), () => { ask.style.display = ''; stop.style.display = 'none'; }, 'danger.wide', 'stop');
    ui.add(ask, el('div.row', [
      ui.button(M.t('play_stop_no'), () => { ask.style.display = 'none'; stop.style.display = ''; }, 'big', 'stop-no'),
      ui.button(M.t('play_stop_yes'), () => { session.stop(); }, 'danger.big', 'stop-yes')
    ]));
    return { box: el('div.controls', [row, volumeRow, stop, ask]), pause };
  }

  M.screens.playing = {
    render(params, entry) {
      const session = new Session(entry);
      entry.session = session;
      const cue = el('div.cue', [el('div.cue-label', M.t('play_cue_label')), el('div.cue-text', '')]);
      cue.addEventListener('click', () => { cue.className = 'cue'; });
      const c = controls(session);
      const after = ui.button(M.t('play_to_after'), () => { session.finish(M.t('play_gone')); }, 'primary.wide', 'to-after');
      after.style.display = 'none';
      const fill = el('div.fill');
      const parts = {
        cue, fill, controls: c.box, pause: c.pause, after,
        state: el('div.play-state', M.t('play_state_starting')),
        time: el('div.play-time', '0:00'),
        status: ui.status('playing'),
        title: el('h2.film-title', session.film ? session.film.title : ''),
        cueBox: el('div.cue-list-box')
      };
      entry.parts = parts;
      const now = ui.section(null, [parts.title, el('p.tv-on', session.renderer.name), parts.state, el('div.bar-track', fill), parts.time]);
      const body = [cue, now, c.box, parts.status, after, parts.cueBox];
      if (!session.film) M.screens.playing.load(session);
      else M.screens.playing.cueList(session);
      return ui.screen('playing', M.t('play_state_playing'), body);
    },
    // Opened from the home banner: the film (for its cues) from its id.
    async load(session) {
      try {
        session.film = await M.api.get(`/api/v1/films/${encodeURIComponent(session.entry.params.film_id)}`);
        session.entry.parts.title.textContent = session.film.title;
        M.screens.playing.cueList(session);
      } catch (e) {
        session.entry.parts.status.say(M.say(e), 'bad');
      }
    },
    cueList(session) {
      const cues = session.film.cues || [];
      if (cues.length) session.entry.parts.cueBox.appendChild(ui.section(M.t('play_cues_title'), ui.cueList(cues), 'cues'));
    },
    onShow(entry) { if (!entry.session.done) entry.session.poll(); },
    onHide(entry) { clearTimeout(entry.session.timer); },
    onLeave(entry) { entry.session.done = true; clearTimeout(entry.session.timer); }
  };
})();
