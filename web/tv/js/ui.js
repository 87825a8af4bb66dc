// Small building blocks: elements, focusable buttons and cards, the letter grid, formats.
(() => {
  'use strict';

  let fidCounter = 0;

  // An element: tag with classes ('div.card.big'), text or child nodes.
  function el(spec, content) {
    const parts = spec.split('.');
    const node = document.createElement(parts[0] || 'div');
    for (let i = 1; i < parts.length; i++) node.classList.add(parts[i]);
    add(node, content);
    return node;
  }

  function add(node, content) {
    if (content === undefined || content === null) return node;
    if (Array.isArray(content)) {
      for (const c of content) add(node, c);
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
    const node = el(spec, content);
    node.classList.add('f');
    node.setAttribute('tabindex', '-1');
    node.setAttribute('data-fid', key || `f${++fidCounter}`);
    node._act = act || null;
    return node;
  }

  const button = (text, act, key) => focusable('div.btn', text, act, key);

  // 125 → "2:05"; 3725 → "1:02:05".
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const mm = h ? (m < 10 ? '0' : '') + m : String(m);
    return `${h ? `${h}:` : ''}${mm}:${sec < 10 ? '0' : ''}${sec}`;
  }

  const duration = (film) => (film && film.media && film.media.duration_s ? film.media.duration_s : 0);

  // The sentence for a film's preparation state.
  function stateText(film) {
    const reason = film.reason || TV.t('state_unknown_reason');
    if (film.state === 'ready') return TV.t('state_ready');
    if (film.state === 'queued') return TV.t('state_queued');
    if (film.state === 'preparing') {
      const eta = film.preparation && film.preparation.eta_s;
      return eta ? TV.t('state_preparing_eta', { min: Math.max(1, Math.ceil(eta / 60)) }) : TV.t('state_preparing');
    }
    if (film.state === 'rejected') return TV.t('state_rejected', { reason });
    return TV.t('state_failed', { reason });
  }

  const playable = (film) => !!(film.hls_url || film.tv_mp4_url);

  // A film card (poster, title, a line below); OK opens the film page.
  function filmCard(film, key, line) {
    const poster = el('div.poster');
    poster.style.backgroundImage = `url("${film.thumb_url}")`;
    if (film.resume_s && duration(film)) {
      const bar = el('div.progress', el('div.progress-fill'));
      bar.firstChild.style.width = `${Math.min(100, 100 * film.resume_s / duration(film))}%`;
      poster.appendChild(bar);
    }
    const below = line || (film.state === 'ready' ? clock(duration(film)) : stateText(film));
    const card = focusable('div.card', [poster, el('div.card-title', film.title), el('div.card-line', below)],
      () => { TV.app.go('film', { id: film.id, film }); }, key);
    card.setAttribute('data-film', film.id);
    if (film.state !== 'ready') card.classList.add('not-ready');
    return card;
  }

  const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

  // The on-screen letter and digit grid: 6 × 6 keys and a row of edit keys.
  // `onChar(c)` gets 'A'–'Z', '0'–'9', ' '; `onDelete`, `onClear` the edit keys.
  function letterGrid(prefix, onChar, onDelete, onClear, withSpace) {
    const grid = el('div.letters');
    for (let r = 0; r < 6; r++) {
      const row = el('div.letter-row');
      for (let c = 0; c < 6; c++) {
        const ch = LETTERS.charAt(r * 6 + c);
        row.appendChild(focusable('div.key', ch, () => onChar(ch), `${prefix}-${ch}`));
      }
      grid.appendChild(row);
    }
    const edit = el('div.letter-row');
    if (withSpace) edit.appendChild(focusable('div.key.wide', TV.t('search_space'), () => onChar(' '), `${prefix}-space`));
    edit.appendChild(focusable('div.key.wide', TV.t('search_delete'), onDelete, `${prefix}-del`));
    edit.appendChild(focusable('div.key.wide', TV.t('search_clear'), onClear, `${prefix}-clear`));
    grid.appendChild(edit);
    return grid;
  }

  // A screen with the standard header (title, station, clock) and a body.
  function screen(cls, title, body) {
    const header = el('div.header', [el('div.h-title', title), el('div.h-station', TV.app.stationName()), el('div.h-clock')]);
    return el(`div.screen.${cls}`, [header, body]);
  }

  function message(title, text, actions) {
    const box = el('div.message', [el('h1', title), el('p', text)]);
    box.appendChild(el('div.btn-row', actions));
    return box;
  }

  TV.ui = {
    el,
    add,
    focusable,
    button,
    clock,
    duration,
    stateText,
    playable,
    filmCard,
    letterGrid,
    screen,
    message
  };
})();
