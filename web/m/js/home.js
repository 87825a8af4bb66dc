// Home: search (Chinese words, pinyin, pinyin initials), this quarter's plan for the
// station, this month's theme, local films and the series; a series' page. A banner leads
// back to a film still playing on a TV, or to a showing still waiting for its sign-in.
(() => {
  'use strict';
  const ui = M.ui;
  const el = ui.el;

  M.screens = M.screens || {};

  const SEARCH_WAIT_MS = 300;

  function filmList(films, empty) {
    if (!films.length) return el('p.empty', empty);
    const list = el('div.film-list');
    for (const film of films) list.appendChild(ui.filmRow(film));
    return list;
  }

  // The home rows as sections: plan, theme, local, series (links), other films.
  function sections(data) {
    const out = [];
    const series = el('div.series-list');
    for (const row of data.rows) {
      if (row.kind === 'required') out.push(ui.section(M.t('home_plan'), filmList(row.items, M.t('home_plan_empty')), 'plan'));
      else if (row.kind === 'theme') {
        const title = row.name ? M.t('home_theme', { theme: row.name }) : M.t('home_theme_none');
        out.push(ui.section(title, filmList(row.items, M.t('home_theme_empty')), 'theme'));
      } else if (row.kind === 'local' && row.items.length) out.push(ui.section(M.t('home_local'), filmList(row.items, ''), 'local'));
      else if (row.kind === 'series') series.appendChild(seriesLink(row.name));
      else if (row.kind === 'other' && row.items.length) out.push(ui.section(M.t('home_other'), filmList(row.items, ''), 'other'));
    }
    if (series.firstChild) out.splice(2, 0, ui.section(M.t('home_series'), series, 'series'));
    return out;
  }

  function seriesLink(name) {
    const b = ui.button([el('span.series-name', name), el('span.chev', '›')], () => { M.app.go('series', { name }); }, 'series-link');
    b.setAttribute('data-series', name);
    return b;
  }

  // A film still on a TV of this station (its status says so): a way back to its controls.
  async function playingBanner(box) {
    const tvs = await M.api.get('/api/v1/renderers');
    for (const tv of tvs) {
      const s = await M.api.get(`/api/v1/renderers/${encodeURIComponent(tv.id)}/status`);
      if (!s.play_id || s.state === 'idle') continue;
      const b = ui.button(M.t('home_playing', { tv: tv.name, title: s.title || '' }), () => {
        M.app.go('playing', { renderer: tv, film_id: s.film_id, play_id: s.play_id });
      }, 'banner', 'to-playing');
      box.appendChild(b);
      return;
    }
  }

  function pendingBanner(box) {
    const p = M.pending.get();
    if (!p) return;
    box.appendChild(ui.button(M.t('home_pending', { title: p.title }), () => {
      M.app.go('after', { play_id: p.play_id, film: { id: p.film_id, title: p.title } });
    }, 'banner.warn', 'to-after'));
  }

  function searchBox(results, rest) {
    const input = el('input.search');
    input.type = 'search';
    input.id = 'search';
    input.placeholder = M.t('home_search');
    let asked = 0;
    let timer = null;
    async function lookup() {
      const q = input.value.trim();
      const mine = ++asked;
      rest.style.display = q ? 'none' : '';
      if (!q) { ui.clear(results); return; }
      let found;
      try {
        found = await M.api.get(`/api/v1/films?per_page=30&q=${encodeURIComponent(q.toLowerCase())}`);
      } catch (e) {
        if (mine === asked) ui.clear(results).appendChild(el('p.status.bad', M.say(e)));
        return;
      }
      if (mine !== asked) return;
      ui.clear(results);
      results.setAttribute('data-query', q);
      results.appendChild(el('p.found', found.total ? M.t('search_results', { n: found.total }) : M.t('search_none')));
      if (found.items.length) results.appendChild(filmList(found.items, ''));
    }
    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(lookup, SEARCH_WAIT_MS); });
    const form = el('form.search-form', input);
    form.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(timer); input.blur(); lookup(); });
    return form;
  }

  M.screens.home = {
    render(params, entry) {
      const banners = el('div.banners');
      const results = el('div.results');
      const rest = el('div.home-rows', el('p.loading', M.t('loading')));
      entry.parts = { banners, rest };
      return ui.screen('home', M.t('app_name'), [searchBox(results, rest), banners, results, rest], true);
    },
    onShow(entry) {
      const p = entry.parts;
      ui.clear(p.banners);
      pendingBanner(p.banners);
      playingBanner(p.banners).catch(() => {});
      if (!entry.loaded) M.screens.home.load(entry);
    },
    async load(entry) {
      const rest = entry.parts.rest;
      try {
        const data = await M.api.get('/api/v1/tv/home');
        entry.loaded = true;
        ui.clear(rest);
        ui.add(rest, sections(data));
      } catch (e) {
        ui.clear(rest);
        rest.appendChild(el('p.status.bad', M.say(e)));
        rest.appendChild(ui.button(M.t('retry'), () => { M.screens.home.load(entry); }, '', 'home-retry'));
      }
    }
  };

  M.screens.series = {
    render(params, entry) {
      const list = el('div', el('p.loading', M.t('loading')));
      M.screens.series.load(params.name, list);
      return ui.screen('series', params.name, ui.section(null, list));
    },
    async load(name, list) {
      try {
        const found = await M.api.get(`/api/v1/films?per_page=200&series=${encodeURIComponent(name)}`);
        ui.clear(list);
        list.appendChild(el('p.found', M.t('series_count', { n: found.total })));
        const rows = el('div.film-list');
        for (const f of found.items) {
          const line = (f.episode ? `${M.t('episode', { n: f.episode })}　` : '') + ui.clock(ui.duration(f));
          rows.appendChild(ui.filmRow(f, f.state === 'ready' ? line : ui.stateText(f)));
        }
        list.appendChild(rows);
      } catch (e) {
        ui.clear(list).appendChild(el('p.status.bad', M.say(e)));
      }
    }
  };
})();
