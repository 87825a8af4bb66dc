// Small building blocks: elements, buttons, the screen header, film rows, formats.
(() => {
  'use strict';

  // An element: tag with classes ('div.card.big'), text or child nodes (never markup).
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

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // A real <button> (keyboard, screen readers, WeChat's taps) that runs `act(button)`.
  function button(text, act, spec, key) {
    const b = el(spec ? `button.btn.${spec}` : 'button.btn', text);
    b.type = 'button';
    if (key) b.setAttribute('data-act', key);
    b.addEventListener('click', () => { if (!b.disabled) act(b); });
    return b;
  }

  // A line of text that says how things went: plain, 'good' or 'bad'.
  function status(key) {
    const node = el('p.status');
    if (key) node.setAttribute('data-status', key);
    node.say = (text, how) => {
      node.textContent = text || '';
      node.className = how ? `status ${how}` : 'status';
    };
    return node;
  }

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

  function stateText(film) {
    const reason = film.reason || M.t('state_unknown_reason');
    if (film.state === 'ready') return M.t('state_ready');
    if (film.state === 'queued') return M.t('state_queued');
    if (film.state === 'preparing') return M.t('state_preparing');
    if (film.state === 'rejected') return M.t('state_rejected', { reason });
    return M.t('state_failed', { reason });
  }

  const playable = (film) => !!(film.tv_mp4_url || film.hls_url);

  // A film in a list: poster, title, a line below; a tap opens its page.
  function filmRow(film, line) {
    const img = el('img.thumb');
    img.alt = '';
    img.src = film.thumb_url;
    const below = line || (film.state === 'ready' ? clock(duration(film)) : stateText(film));
    const row = el('button.film-row', [img, el('span.film-text', [el('span.film-name', film.title), el('span.film-line', below)])]);
    row.type = 'button';
    row.setAttribute('data-film', film.id);
    row.addEventListener('click', () => { M.app.go('film', { id: film.id, film }); });
    return row;
  }

  // A film's cue prompts, each with its time.
  function cueList(cues) {
    const list = el('ol.cue-list');
    for (const cue of cues) {
      list.appendChild(el('li', [el('span.cue-at', clock(cue.at_s)), el('span.cue-words', cue.text)]));
    }
    return list;
  }

  // A screen: the header (back, title, station) and a body.
  function screen(name, title, body, noBack) {
    const head = el('header.bar');
    if (!noBack) head.appendChild(button('‹', () => { M.app.back(); }, 'back', 'back'));
    head.appendChild(el('h1.bar-title', title));
    head.appendChild(el('span.bar-station', M.app.stationName()));
    return el(`div.screen.${name}`, [head, el('main.body', body)]);
  }

  function section(title, content, spec) {
    return el(spec ? `section.card.${spec}` : 'section.card', [title ? el('h2', title) : null, el('div.card-body', content)]);
  }

  M.ui = {
    el,
    add,
    clear,
    button,
    status,
    clock,
    duration,
    stateText,
    playable,
    filmRow,
    cueList,
    screen,
    section
  };
})();
