// Search with a remote: an on-screen grid of letters and digits for pinyin initials or
// spelling; the result list updates after each letter (`DZDS` → 党章电视教材).
(function () {
  'use strict';
  var ui = TV.ui;
  var el = ui.el;

  TV.screens = TV.screens || {};

  var MAX_RESULTS = 8;

  TV.screens.search = {
    render: function (params, entry) {
      var query = '';
      var asked = 0;
      var field = el('div.query');
      var status = el('div.search-status', TV.t('search_start'));
      var results = el('div.results.sy');

      function draw() {
        field.textContent = query || TV.t('search_placeholder');
        field.className = query ? 'query' : 'query empty';
      }

      async function lookup() {
        var mine = ++asked;
        var q = query.trim();
        if (!q) {
          results.textContent = '';
          status.textContent = TV.t('search_start');
          return;
        }
        var found;
        try {
          found = await TV.api.get('/api/v1/films?per_page=' + MAX_RESULTS + '&q=' + encodeURIComponent(q.toLowerCase()));
        } catch (e) {
          if (mine === asked) status.textContent = e.status === 0 ? TV.t('error_network') : TV.t('error_generic', { detail: e.message });
          return;
        }
        if (mine !== asked) return;
        results.textContent = '';
        status.textContent = found.total ? TV.t('search_results', { n: found.total }) + '　' + TV.t('search_pick') : TV.t('search_none');
        for (var i = 0; i < found.items.length; i++) {
          var f = found.items[i];
          var line = [f.series ? f.series : null, ui.duration(f) ? ui.clock(ui.duration(f)) : null, f.state === 'ready' ? null : ui.stateText(f)]
            .filter(Boolean).join('　');
          var item = ui.focusable('div.result', [el('div.result-title', f.title), el('div.result-line', line)],
            (function (film) { return function () { TV.app.go('film', { id: film.id, film: film }); }; })(f), 'res-' + f.id);
          item.setAttribute('data-film', f.id);
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

      entry.type = function (c) { change(query + c); };
      var grid = ui.letterGrid('s', entry.type, function () { change(query.slice(0, -1)); }, function () { change(''); }, false);
      grid.querySelector('.f').setAttribute('data-default', '');
      draw();
      var left = el('div.search-left', [field, grid, el('div.note', TV.t('search_hint'))]);
      var right = el('div.search-right', [status, results]);
      return ui.screen('search', TV.t('search_title'), el('div.search-body', [left, right]));
    },
    onKey: function (key, current, entry) {
      if (key.name === 'digit' || key.name === 'letter') { entry.type(key.value); return true; }
      return false;
    }
  };
})();
