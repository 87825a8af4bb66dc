// A film: its 播前备课 notes and cue prompts to read before pressing play, the station's
// TVs, and "在电视上播放" (the server pushes the film to the chosen TV).
(() => {
  'use strict';
  const ui = M.ui;
  const el = ui.el;

  M.screens = M.screens || {};

  function head(film) {
    const meta = [];
    if (film.episode) meta.push(M.t('episode', { n: film.episode }));
    if (film.year) meta.push(String(film.year));
    if (film.category_label) meta.push(film.category_label);
    if (ui.duration(film)) meta.push(M.t('film_duration', { time: ui.clock(ui.duration(film)) }));
    const img = el('img.poster');
    img.alt = '';
    img.src = film.thumb_url;
    return el('div.film-head', [img, el('div.film-head-text', [
      el('h2.film-title', film.title), el('p.film-meta', meta.map((m) => el('span.meta', m))), el(`p.state.${film.state}`, ui.stateText(film))
    ])]);
  }

  // The TVs to choose from (the first is chosen) and the play button.
  function tvPicker(film) {
    const box = el('div.tvs', el('p.loading', M.t('loading')));
    const status = ui.status('push');
    let chosen = null;
    const play = ui.button(M.t('film_play'), () => { push(film, chosen, play, status); }, 'primary.wide.play', 'play');
    play.disabled = true;
    async function load() {
      let tvs;
      try {
        tvs = await M.api.get('/api/v1/renderers');
      } catch (e) {
        ui.clear(box);
        status.say(M.say(e), 'bad');
        return;
      }
      ui.clear(box);
      if (!tvs.length) {
        box.appendChild(el('p.empty', M.t('film_tvs_none')));
        box.appendChild(ui.button(M.t('film_tvs_again'), load, '', 'tvs-again'));
        return;
      }
      const buttons = [];
      tvs.forEach((tv, i) => {
        const b = ui.button([el('span.tv-name', tv.name), el('span.tv-line', M.t('film_tv_line', { address: tv.address }))], () => {
          chosen = tv;
          for (const other of buttons) other.classList.toggle('on', other === b);
        }, 'tv', `tv-${i}`);
        b.setAttribute('data-renderer', tv.id);
        buttons.push(b);
        box.appendChild(b);
      });
      buttons[0].click();
      play.disabled = !ui.playable(film);
      if (!ui.playable(film)) status.say(M.t('film_not_playable'), 'bad');
    }
    load();
    return [box, play, status];
  }

  async function push(film, tv, button, status) {
    if (!tv) return;
    button.disabled = true;
    status.say(M.t('film_pushing'));
    try {
      const r = await M.api.post(`/api/v1/renderers/${encodeURIComponent(tv.id)}/play`, { film_id: film.id });
      status.say('');
      M.app.go('playing', { renderer: tv, film, play_id: r.play_id });
    } catch (e) {
      status.say(M.say(e), 'bad');
    }
    button.disabled = false;
  }

  function page(film) {
    const cues = film.cues || [];
    return [
      head(film),
      ui.section(M.t('film_prep_title'), el('p.prep', film.prep_notes || M.t('film_prep_none')), 'prep'),
      cues.length ? ui.section(M.t('film_cues_title'), ui.cueList(cues), 'cues') : null,
      ui.section(M.t('film_tvs'), tvPicker(film), 'push'),
      film.summary ? ui.section(null, el('p.summary', film.summary)) : null
    ];
  }

  M.screens.film = {
    render(params, entry) {
      const body = el('div.film-body', el('p.loading', M.t('loading')));
      M.screens.film.load(entry, params.id, body);
      return ui.screen('film', M.t('film_screen'), body);
    },
    // Always the film afresh: its state, notes and cues may have changed since the list.
    async load(entry, id, body) {
      try {
        const film = await M.api.get(`/api/v1/films/${encodeURIComponent(id)}`);
        entry.params.film = film;
        ui.clear(body);
        ui.add(body, page(film));
      } catch (e) {
        ui.clear(body).appendChild(el('p.status.bad', M.say(e)));
      }
    }
  };
})();
