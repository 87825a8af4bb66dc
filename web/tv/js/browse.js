// Browsing: the home screen's rows, a series' episodes, and a film's page (summary,
// 播前备课 notes, duration, state, play or resume).
(() => {
  'use strict';
  const ui = TV.ui;
  const el = ui.el;

  TV.screens = TV.screens || {};
  // Where this station stopped in each film (from the home screen, updated after a play).
  TV.resume = {};

  const EMPTY = {
    continue: 'row_empty_continue',
    required: 'row_empty_required',
    theme: 'row_empty_theme',
    local: 'row_empty_local'
  };

  function rowTitle(row) {
    if (row.kind === 'continue') return TV.t('row_continue');
    if (row.kind === 'required') return TV.t('row_required');
    if (row.kind === 'local') return TV.t('row_local');
    if (row.kind === 'other') return TV.t('row_other');
    if (row.kind === 'theme') return row.name ? TV.t('row_theme', { theme: row.name }) : TV.t('row_theme_none');
    return TV.t('row_series', { series: row.name });
  }

  function homeRow(row, index) {
    const items = el('div.row-items.sx');
    for (const film of row.items) {
      const line = film.resume_s ? TV.t('resume_at', { time: ui.clock(film.resume_s) }) : null;
      items.appendChild(ui.filmCard(film, `r${index}-${film.id}`, line));
    }
    if (row.kind === 'series') {
      const name = row.name;
      items.appendChild(ui.focusable('div.card.more', [el('div.more-text', TV.t('series_count', { n: row.items.length })), el('div.more-arrow', '›')],
        () => { TV.app.go('series', { name }); }, `r${index}-all`));
    }
    const node = el('div.row', el('div.row-title', rowTitle(row)));
    if (!row.items.length) node.appendChild(el('div.row-empty', TV.t(EMPTY[row.kind] || 'library_empty')));
    else node.appendChild(items);
    return node;
  }

  TV.screens.home = {
    render(params, entry) {
      const search = ui.focusable('div.btn.search-btn', [el('span.icon', '⌕'), TV.t('home_search')],
        () => { TV.app.go('search'); }, 'home-search');
      const rows = el('div.rows.sy', el('div.loading', TV.t('loading')));
      const node = ui.screen('home', TV.t('app_name'), el('div.home-body', [el('div.topbar', search), rows]));
      TV.screens.home.load(entry, rows);
      return node;
    },
    async load(entry, rows) {
      let data;
      try {
        data = await TV.api.get('/api/v1/tv/home');
      } catch (e) {
        rows.textContent = '';
        rows.appendChild(ui.message(TV.t('error_title'), e.status === 0 ? TV.t('error_network') : TV.t('error_generic', { detail: e.message }),
          [ui.button(TV.t('retry'), () => { TV.app.home(); }, 'home-retry')]));
        TV.app.filled(entry);
        return;
      }
      TV.resume = data.resume || {};
      rows.textContent = '';
      let any = false;
      let first = null;
      data.rows.forEach((r, i) => {
        // Nothing to continue: no row for it (the other rows say why they are empty).
        if (r.kind === 'continue' && !r.items.length) return;
        const row = homeRow(r, i);
        rows.appendChild(row);
        if (!first && r.items.length) first = row.querySelector('.f');
        any = any || r.items.length > 0;
      });
      if (!any) rows.appendChild(el('div.row-empty', TV.t('library_empty')));
      if (first) first.setAttribute('data-default', '');
      TV.app.filled(entry);
    }
  };

  TV.screens.series = {
    render(params, entry) {
      const grid = el('div.grid', el('div.loading', TV.t('loading')));
      const head = el('div.series-head', [el('h1', params.name), el('p.lead.series-summary', '')]);
      const node = ui.screen('series', params.name, el('div.sy.series-body', [head, grid]));
      TV.screens.series.load(entry, params.name, grid, head);
      return node;
    },
    async load(entry, name, grid, head) {
      try {
        const list = await TV.api.get(`/api/v1/films?per_page=200&series=${encodeURIComponent(name)}`);
        const all = await TV.api.get('/api/v1/series');
        grid.textContent = '';
        for (const series of all.items) {
          if (series.name === name && series.summary) head.lastChild.textContent = series.summary;
        }
        head.lastChild.textContent += (head.lastChild.textContent ? '　' : '') + TV.t('series_count', { n: list.total });
        if (!list.items.length) grid.appendChild(el('div.row-empty', TV.t('series_empty')));
        for (const f of list.items) {
          f.resume_s = TV.resume[f.id] || null;
          const line = f.episode ? `${TV.t('episode', { n: f.episode })}　${ui.clock(ui.duration(f))}` : null;
          grid.appendChild(ui.filmCard(f, `s-${f.id}`, line));
        }
      } catch (e) {
        grid.textContent = '';
        grid.appendChild(ui.message(TV.t('error_title'), TV.t('error_generic', { detail: e.message }),
          [ui.button(TV.t('go_back'), () => { TV.app.back(); }, 'series-back')]));
      }
      TV.app.filled(entry);
    }
  };

  // The film page's buttons: play (or resume and restart), and the film's series.
  function filmActions(film) {
    const row = el('div.btn-row');
    const at = TV.resume[film.id];
    if (!ui.playable(film)) {
      row.appendChild(ui.button(TV.t('go_back'), () => { TV.app.back(); }, 'film-back'));
      return row;
    }
    const play = (from) => () => { TV.app.go('player', { film, start_s: from }); };
    let main;
    if (at) {
      main = ui.button(TV.t('film_resume', { time: ui.clock(at) }), play(at), 'film-resume');
      row.appendChild(main);
      row.appendChild(ui.button(TV.t('film_restart'), play(0), 'film-restart'));
    } else {
      main = ui.button(TV.t('film_play'), play(0), 'film-play');
      row.appendChild(main);
    }
    main.classList.add('primary');
    main.setAttribute('data-default', '');
    if (film.series) {
      row.appendChild(ui.button(TV.t('film_series_btn'), () => { TV.app.go('series', { name: film.series }); }, 'film-series'));
    }
    return row;
  }

  function filmPage(film) {
    const poster = el('div.film-poster');
    poster.style.backgroundImage = `url("${film.thumb_url}")`;
    const meta = [];
    if (film.episode) meta.push(TV.t('episode', { n: film.episode }));
    if (film.year) meta.push(String(film.year));
    if (film.category_label) meta.push(film.category_label);
    if (ui.duration(film)) meta.push(TV.t('film_duration', { time: ui.clock(ui.duration(film)) }));
    const state = el(`div.state.${film.state}`, ui.stateText(film));
    const prep = el('div.prep', [el('div.prep-title', TV.t('film_prep_title')), el('div.prep-text', film.prep_notes || TV.t('film_prep_none'))]);
    const info = el('div.film-info', [
      el('h1.film-title', film.title),
      el('div.film-meta', meta.join('　·　')),
      state,
      filmActions(film),
      prep,
      el('div.film-summary', film.summary || TV.t('film_summary_none'))
    ]);
    if (film.cues && film.cues.length) info.appendChild(el('div.film-cues', TV.t('film_cues', { n: film.cues.length })));
    return el('div.film-body', [poster, info]);
  }

  TV.screens.film = {
    render(params, entry) {
      const body = el('div.film-wrap', params.film ? filmPage(params.film) : el('div.loading', TV.t('loading')));
      const node = ui.screen('film', params.film ? params.film.title : TV.t('loading'), body);
      TV.screens.film.load(entry, params.id, body, !!params.film);
      return node;
    },
    // Fetches the film afresh (its state may have moved on since the list was loaded).
    async load(entry, id, body, shown) {
      let film;
      try {
        film = await TV.api.get(`/api/v1/films/${encodeURIComponent(id)}`);
      } catch (e) {
        if (shown && e.status === 0) return;
        body.textContent = '';
        body.appendChild(ui.message(TV.t('error_title'), e.status === 404 ? TV.t('film_not_found') : TV.t('error_generic', { detail: e.message }),
          [ui.button(TV.t('go_back'), () => { TV.app.back(); }, 'film-err-back')]));
        TV.app.filled(entry);
        return;
      }
      const keep = entry.el.getAttribute('data-last');
      const focused = TV.nav.current();
      body.textContent = '';
      body.appendChild(filmPage(film));
      entry.params.film = film;
      const title = entry.el.querySelector('.h-title');
      if (title) title.textContent = film.title;
      if (focused && keep) entry.el.setAttribute('data-last', keep);
      TV.app.filled(entry);
    },
    onShow(entry) {
      // Back from the player: the resume point may have changed.
      if (entry.params.film && entry.shownOnce) {
        const body = entry.el.querySelector('.film-wrap');
        body.textContent = '';
        body.appendChild(filmPage(entry.params.film));
      }
      entry.shownOnce = true;
    }
  };
})();
