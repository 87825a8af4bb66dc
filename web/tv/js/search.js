// Search with a remote: an on-screen grid of letters and digits for pinyin initials or
// spelling; the result list updates after each letter (`DZDS` → 党章电视教材).
(() => {
  'use strict';
  const ui = TV.ui;
  const el = ui.el;

  TV.screens = TV.screens || {};

  const MAX_RESULTS = 8;

  TV.screens.search = {
    render(params, entry) {
      let query = '';
      let asked = 0;
      const field = el('div.query');
      const status = el('div.search-status', TV.t('search_start'));
      const results = el('div.results.sy');

      function draw() {
        field.textContent = query || TV.t('search_placeholder');
        field.className = query ? 'query' : 'query empty';
      }

      async function lookup() {
        const mine = ++asked;
        const q = query.trim();
        if (!q) {
          results.textContent = '';
          status.textContent = TV.t('search_start');
          return;
        }
        let found;
        try {
          found = await TV.api.get(`/api/v1/films?per_page=${MAX_RESULTS}&q=${encodeURIComponent(q.toLowerCase())}`);
        } catch (e) {
          if (mine === asked) status.textContent = e.status === 0 ? TV.t('error_network') : TV.t('error_generic', { detail: e.message });
          return;
        }
        if (mine !== asked) return;
        results.textContent = '';
        status.textContent = found.total ? `${TV.t('search_results', { n: found.total })}　${TV.t('search_pick')}` : TV.t('search_none');
        for (const film of found.items) {
          const line = [film.series ? film.series : null, ui.duration(film) ? ui.clock(ui.duration(film)) : null, film.state === 'ready' ? null : ui.stateText(film)]
            .filter(Boolean).join('　');
          const item = ui.focusable('div.result', [el('div.result-title', film.title), el('div.result-line', line)],
            () => { TV.app.go('film', { id: film.id, film }); }, `res-${film.id}`);
          item.setAttribute('data-film', film.id);
          results.appendChild(item);
        }
        results.setAttribute('data-query', q);
        TV.app.filled(entry);
      }

      function change(q) {
        query = q.slice(0, 30);
        draw();
        lookup();
      }

      entry.type = (c) => change(query + c);
      const grid = ui.letterGrid('s', entry.type, () => change(query.slice(0, -1)), () => change(''), false);
      grid.querySelector('.f').setAttribute('data-default', '');
      draw();
      const left = el('div.search-left', [field, grid, el('div.note', TV.t('search_hint'))]);
      const right = el('div.search-right', [status, results]);
      return ui.screen('search', TV.t('search_title'), el('div.search-body', [left, right]));
    },
    onKey(key, current, entry) {
      if (key.name === 'digit' || key.name === 'letter') { entry.type(key.value); return true; }
      return false;
    }
  };
})();
