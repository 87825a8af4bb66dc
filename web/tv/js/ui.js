// Small building blocks: elements, focusable buttons and cards, the letter grid, formats.
(function () {
  'use strict';

  var fidCounter = 0;

  // An element: tag with classes ('div.card.big'), text or child nodes.
  function el(spec, content) {
    var parts = spec.split('.');
    var node = document.createElement(parts[0] || 'div');
    for (var i = 1; i < parts.length; i++) node.classList.add(parts[i]);
    add(node, content);
    return node;
  }

  function add(node, content) {
    if (content === undefined || content === null) return node;
    if (Array.isArray(content)) {
      for (var i = 0; i < content.length; i++) add(node, content[i]);
    } else if (typeof content === 'string' || typeof content === 'number') {
      node.appendChild(document.createTextNode(String(content)));
    } else {
      node.appendChild(content);
    }
    return node;
  }

  // A focusable element that runs `act(el)` on OK. `key` names it within its screen (focus is
  // restored by it when the screen comes back).
  function focusable(spec, content, act, key) {
    var node = el(spec, content);
    node.classList.add('f');
    node.setAttribute('tabindex', '-1');
    node.setAttribute('data-fid', key || ('f' + (++fidCounter)));
    node._act = act || null;
    return node;
  }

  function button(text, act, key) {
    return focusable('div.btn', text, act, key);
  }

  // 125 → "2:05"; 3725 → "1:02:05".
  function clock(s) {
    s = Math.max(0, Math.floor(s || 0));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    var mm = h ? (m < 10 ? '0' : '') + m : String(m);
    return (h ? h + ':' : '') + mm + ':' + (sec < 10 ? '0' : '') + sec;
  }

  function duration(film) {
    return film && film.media && film.media.duration_s ? film.media.duration_s : 0;
  }

  // The sentence for a film's preparation state.
  function stateText(film) {
    var reason = film.reason || TV.t('state_unknown_reason');
    if (film.state === 'ready') return TV.t('state_ready');
    if (film.state === 'queued') return TV.t('state_queued');
    if (film.state === 'preparing') {
      var eta = film.preparation && film.preparation.eta_s;
      return eta ? TV.t('state_preparing_eta', { min: Math.max(1, Math.ceil(eta / 60)) }) : TV.t('state_preparing');
    }
    if (film.state === 'rejected') return TV.t('state_rejected', { reason: reason });
    return TV.t('state_failed', { reason: reason });
  }

  function playable(film) {
    return !!(film.hls_url || film.tv_mp4_url);
  }

  // A film card (poster, title, a line below); OK opens the film page.
  function filmCard(film, key, line) {
    var poster = el('div.poster');
    poster.style.backgroundImage = 'url("' + film.thumb_url + '")';
    if (film.resume_s && duration(film)) {
      var bar = el('div.progress', el('div.progress-fill'));
      bar.firstChild.style.width = Math.min(100, 100 * film.resume_s / duration(film)) + '%';
      poster.appendChild(bar);
    }
    var below = line || (film.state === 'ready' ? clock(duration(film)) : stateText(film));
    var card = focusable('div.card', [poster, el('div.card-title', film.title), el('div.card-line', below)],
      function () { TV.app.go('film', { id: film.id, film: film }); }, key);
    card.setAttribute('data-film', film.id);
    if (film.state !== 'ready') card.classList.add('not-ready');
    return card;
  }

  var LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

  // The on-screen letter and digit grid: 6 × 6 keys and a row of edit keys.
  // `onChar(c)` gets 'A'–'Z', '0'–'9', ' '; `onDelete`, `onClear` the edit keys.
  function letterGrid(prefix, onChar, onDelete, onClear, withSpace) {
    var grid = el('div.letters');
    for (var r = 0; r < 6; r++) {
      var row = el('div.letter-row');
      for (var c = 0; c < 6; c++) {
        (function (ch) {
          row.appendChild(focusable('div.key', ch, function () { onChar(ch); }, prefix + '-' + ch));
        })(LETTERS.charAt(r * 6 + c));
      }
      grid.appendChild(row);
    }
    var edit = el('div.letter-row');
    if (withSpace) edit.appendChild(focusable('div.key.wide', TV.t('search_space'), function () { onChar(' '); }, prefix + '-space'));
    edit.appendChild(focusable('div.key.wide', TV.t('search_delete'), onDelete, prefix + '-del'));
    edit.appendChild(focusable('div.key.wide', TV.t('search_clear'), onClear, prefix + '-clear'));
    grid.appendChild(edit);
    return grid;
  }

  // A screen with the standard header (title, station, clock) and a body.
  function screen(cls, title, body) {
    var header = el('div.header', [el('div.h-title', title), el('div.h-station', TV.app.stationName()), el('div.h-clock')]);
    var node = el('div.screen.' + cls, [header, body]);
    return node;
  }

  function message(title, text, actions) {
    var box = el('div.message', [el('h1', title), el('p', text)]);
    var row = el('div.btn-row');
    for (var i = 0; i < actions.length; i++) row.appendChild(actions[i]);
    box.appendChild(row);
    return box;
  }

  TV.ui = {
    el: el,
    add: add,
    focusable: focusable,
    button: button,
    clock: clock,
    duration: duration,
    stateText: stateText,
    playable: playable,
    filmCard: filmCard,
    letterGrid: letterGrid,
    screen: screen,
    message: message
  };
})();
