// Remote-control input and spatial focus: arrow keys move to the nearest focusable element
// (class `f`) in that direction, OK activates it, Back goes back. Focus is kept on a
// visible element at all times and scrolled into view (containers `sx`/`sy` scroll).
(() => {
  'use strict';

  const BACK_CODES = [27, 8, 166, 461, 10009, 4];

  // What a key event means for the TV: left/right/up/down/ok/back/playpause/digit/letter.
  function keyOf(e) {
    const k = e.key;
    const c = e.keyCode || e.which;
    if (k === 'ArrowLeft' || k === 'Left' || c === 37) return { name: 'left' };
    if (k === 'ArrowUp' || k === 'Up' || c === 38) return { name: 'up' };
    if (k === 'ArrowRight' || k === 'Right' || c === 39) return { name: 'right' };
    if (k === 'ArrowDown' || k === 'Down' || c === 40) return { name: 'down' };
    if (k === 'Enter' || k === 'Accept' || c === 13) return { name: 'ok' };
    if (k === 'Escape' || k === 'Esc' || k === 'Backspace' || k === 'BrowserBack' ||
        k === 'GoBack' || BACK_CODES.indexOf(c) >= 0) return { name: 'back' };
    if (k === 'MediaPlayPause' || k === 'MediaPlay' || k === 'MediaPause' || c === 179 ||
        c === 415 || c === 19) return { name: 'playpause' };
    if (k && k.length === 1 && k >= '0' && k <= '9') return { name: 'digit', value: k };
    if (c >= 48 && c <= 57) return { name: 'digit', value: String(c - 48) };
    if (c >= 96 && c <= 105) return { name: 'digit', value: String(c - 96) };
    if (k && k.length === 1 && /[a-zA-Z]/.test(k)) return { name: 'letter', value: k.toUpperCase() };
    return null;
  }

  // The element focus is confined to: the topmost open dialog, else the current screen.
  function scope() {
    const screen = TV.app && TV.app.screenEl();
    if (!screen) return null;
    const modals = screen.querySelectorAll('.modal');
    return modals.length ? modals[modals.length - 1] : screen;
  }

  function visible(el) {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !el.classList.contains('disabled');
  }

  function focusables() {
    const root = scope();
    if (!root) return [];
    const all = root.querySelectorAll('.f');
    const out = [];
    for (let i = 0; i < all.length; i++) if (visible(all[i])) out.push(all[i]);
    return out;
  }

  let current = null;

  function inScope(el) {
    const root = scope();
    return !!(el && root && root.contains(el) && visible(el));
  }

  // Scrolls every `sx`/`sy` container around `el` so that `el` is fully inside it.
  function reveal(el) {
    for (let p = el.parentNode; p && p !== document.body && p.classList; p = p.parentNode) {
      const x = p.classList.contains('sx');
      const y = p.classList.contains('sy');
      if (x || y) {
        const pr = p.getBoundingClientRect();
        const er = el.getBoundingClientRect();
        if (x) {
          const mx = Math.min(pr.width * 0.06, 60);
          if (er.left < pr.left + mx) p.scrollLeft -= pr.left + mx - er.left;
          else if (er.right > pr.right - mx) p.scrollLeft += er.right - (pr.right - mx);
        }
        if (y) {
          const my = Math.min(pr.height * 0.08, 60);
          if (er.top < pr.top + my) p.scrollTop -= pr.top + my - er.top;
          else if (er.bottom > pr.bottom - my) p.scrollTop += er.bottom - (pr.bottom - my);
        }
      }
    }
  }

  function focus(el) {
    if (!el) return;
    if (current && current !== el) current.classList.remove('focused');
    current = el;
    el.classList.add('focused');
    try { el.focus({ preventScroll: true }); } catch (e) { el.focus(); }
    reveal(el);
    // The page itself never scrolls: only our containers do.
    if (window.scrollX || window.scrollY) window.scrollTo(0, 0);
  }

  // Focus the remembered element of the screen, else its default (`data-default`), else the first.
  function ensure() {
    if (inScope(current)) return;
    const list = focusables();
    if (!list.length) { current = null; return; }
    const root = scope();
    const want = root.getAttribute('data-last');
    let el = null;
    for (let i = 0; i < list.length && !el; i++) {
      if (want && list[i].getAttribute('data-fid') === want) el = list[i];
    }
    if (!el) el = root.querySelector('.f[data-default]');
    if (!el || !visible(el)) el = list[0];
    focus(el);
  }

  function isScroller(node) {
    return !!(node.classList && (node.classList.contains('sx') || node.classList.contains('sy')));
  }

  // The scrolling container `el` is in (below the screen or dialog), or null.
  function scrollerOf(el) {
    const root = scope();
    for (let p = el.parentNode; p && p !== root && p !== document.body; p = p.parentNode) {
      if (isScroller(p)) return p;
    }
    return null;
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  // Whether a container between `el` and `outer` scrolls `el` out of sight.
  function hiddenIn(el, outer) {
    const r = el.getBoundingClientRect();
    for (let p = el.parentNode; p && p !== outer && p !== document.body; p = p.parentNode) {
      if (isScroller(p) && !overlaps(r, p.getBoundingClientRect())) return true;
    }
    return false;
  }

  function score(r, c, dir) {
    const rc = { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    const cc = { x: c.left + c.width / 2, y: c.top + c.height / 2 };
    let primary;
    let gap;
    let off;
    if (dir === 'right' || dir === 'left') {
      if (dir === 'right' ? cc.x <= r.right - 2 : cc.x >= r.left + 2) return Infinity;
      primary = dir === 'right' ? c.left - r.right : r.left - c.right;
      gap = Math.max(0, c.top - r.bottom, r.top - c.bottom);
      off = Math.abs(cc.y - rc.y);
    } else {
      if (dir === 'down' ? cc.y <= r.bottom - 2 : cc.y >= r.top + 2) return Infinity;
      primary = dir === 'down' ? c.top - r.bottom : r.top - c.bottom;
      gap = Math.max(0, c.left - r.right, r.left - c.right);
      off = Math.abs(cc.x - rc.x);
    }
    return Math.max(primary, 0) + gap * 4 + off * 0.05;
  }

  // The nearest focusable in direction `dir` from `from` (its centre past `from`'s edge),
  // or null: first inside the
  // scrolling container `from` is in (scrolled-away elements count there), then in the
  // containers around it, then on the whole screen; elements that an inner container has
  // scrolled out of sight are only reached from inside it.
  function nearest(from, dir) {
    const r = from.getBoundingClientRect();
    const list = focusables();
    let container = scrollerOf(from);
    for (;;) {
      let best = null;
      let bestScore = Infinity;
      for (const el of list) {
        if (el === from || (container && !container.contains(el))) continue;
        if (hiddenIn(el, container || scope())) continue;
        const sc = score(r, el.getBoundingClientRect(), dir);
        if (sc < bestScore) { bestScore = sc; best = el; }
      }
      if (best || !container) return best;
      container = scrollerOf(container);
    }
  }

  function move(dir) {
    ensure();
    if (!current) return false;
    const next = nearest(current, dir);
    if (next) focus(next);
    return !!next;
  }

  function remember() {
    const root = scope();
    if (root && current && root.contains(current)) {
      root.setAttribute('data-last', current.getAttribute('data-fid') || '');
    }
  }

  function onKey(e) {
    const key = keyOf(e);
    if (!key) return;
    e.preventDefault();
    key.repeat = !!e.repeat;
    ensure();
    // The screen may take the key first (player, digits, letters).
    if (TV.app && TV.app.handleKey(key, current)) { ensure(); return; }
    if (key.name === 'left' || key.name === 'right' || key.name === 'up' || key.name === 'down') {
      move(key.name);
    } else if (key.name === 'ok') {
      if (current && current._act) current._act(current);
    } else if (key.name === 'back') {
      if (TV.app) TV.app.back();
    }
    remember();
    ensure();
  }

  function onKeyUp(e) {
    const key = keyOf(e);
    if (key && TV.app && TV.app.handleKeyUp) TV.app.handleKeyUp(key);
  }

  document.addEventListener('keydown', onKey, true);
  document.addEventListener('keyup', onKeyUp, true);
  // Some TV browsers send Back as a history step: stay on the page and go back a screen.
  window.addEventListener('popstate', () => {
    if (TV.app) { TV.app.back(); history.pushState({ tv: 1 }, ''); }
  });

  TV.nav = {
    keyOf,
    focus: (el) => { focus(el); remember(); },
    ensure,
    move,
    current: () => (inScope(current) ? current : null),
    reset: () => { if (current) current.classList.remove('focused'); current = null; }
  };
})();
