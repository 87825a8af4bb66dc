// The player and the showing it makes: a showing starts when a film first plays and is
// recorded when the broadcaster ends it (or the film ends) with the seconds actually played.
// An open showing is kept in localStorage as it goes, so a closed browser or a flat laptop
// battery loses nothing: the next start of the page records it up to its last moment.
(() => {
  'use strict';
  const Kit = window.KitPage;

  function newId() {
    const r = new Uint8Array(4);
    crypto.getRandomValues(r);
    return `s${Date.now().toString(36)}-${Kit.hex(r)}`;
  }

  class Showings {
    constructor(kit, records, onChange) {
      this.kit = kit;
      this.records = records;
      this.onChange = onChange;
      this.openKey = `dianjiao-kit:${kit.kit_id}:open`;
      this.film = null;
      this.open = null;
      this.last = null; // the showing sign-ins and discussion go to: open, or the last ended
      this.lastSaved = 0;
    }

    // Records a showing left open by an earlier visit of the page.
    async recover() {
      let text = null;
      try { text = window.localStorage.getItem(this.openKey); } catch (e) { text = null; }
      if (!text) return;
      let open;
      try { open = JSON.parse(text); } catch (e) { open = null; }
      if (open && open.id) {
        await this.record(open, open.last_at);
        Kit.warn('上次的放映没有结束就关闭了页面，已按最后播放的时刻记录。', 'note');
      }
      window.localStorage.removeItem(this.openKey);
    }

    start(film) {
      this.open = { id: newId(), film_id: film.id, started_at: Kit.now(), last_at: Kit.now(), seconds: {}, furthest: 0 };
      this.last = { id: this.open.id, film };
      this.keep(true);
      this.onChange();
    }

    // From the video's timeupdate: marks the second being played and shows the cue prompt.
    tick(video, film) {
      if (!this.open && !video.paused) this.start(film);
      if (!this.open || video.paused || video.seeking) return;
      const t = video.currentTime;
      this.open.seconds[Math.floor(t)] = 1;
      this.open.furthest = Math.max(this.open.furthest, t);
      this.open.last_at = Kit.now();
      this.keep(false);
    }

    keep(now) {
      const at = Date.now();
      if (!now && at - this.lastSaved < 2000) return;
      this.lastSaved = at;
      try { window.localStorage.setItem(this.openKey, JSON.stringify(this.open)); } catch (e) { /* warned by the records */ }
    }

    async end() {
      if (!this.open) return null;
      const open = this.open;
      this.open = null;
      const record = await this.record(open, Kit.now());
      try { window.localStorage.removeItem(this.openKey); } catch (e) { /* nothing kept */ }
      this.onChange();
      return record;
    }

    record(open, endedAt) {
      const film = this.kit.films.filter((f) => f.id === open.film_id)[0];
      const longest = film ? film.duration_s : 0;
      const watched = Math.min(Object.keys(open.seconds).length, longest);
      return this.records.append('showing', {
        id: open.id, film_id: open.film_id, started_at: open.started_at, ended_at: endedAt,
        watched_s: watched, furthest_s: Math.min(Math.floor(open.furthest), longest)
      });
    }

    // The cue prompt for position t: the latest cue passed in the last 20 seconds.
    static cueAt(film, t) {
      let shown = null;
      (film.cues || []).forEach((c) => {
        if (c.at_s <= t && t - c.at_s < 20) shown = c;
      });
      return shown;
    }
  }

  Kit.Showings = Showings;
})();
