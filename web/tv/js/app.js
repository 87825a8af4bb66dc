// The screen stack: go to a screen, Back to the one before; start-up (paired or not).
(() => {
  'use strict';

  let root = null;
  let stack = [];
  let station = null;
  let members = [];

  const top = () => (stack.length ? stack[stack.length - 1] : null);

  function show(entry) {
    while (root.firstChild) root.removeChild(root.firstChild);
    root.appendChild(entry.el);
    TV.nav.reset();
    tick();
    if (entry.screen.onShow) entry.screen.onShow(entry);
    TV.nav.ensure();
  }

  function make(name, params) {
    const screen = TV.screens[name];
    const entry = { name, params: params || {}, screen, el: null };
    entry.el = screen.render(entry.params, entry);
    entry.el.setAttribute('data-screen', name);
    return entry;
  }

  function leave(entry) {
    if (entry && entry.screen.onLeave) entry.screen.onLeave(entry);
  }

  function go(name, params) {
    const entry = make(name, params);
    stack.push(entry);
    show(entry);
  }

  function replace(name, params) {
    leave(stack.pop());
    go(name, params);
  }

  // Back one screen (a screen or its dialog may take Back itself). The first screen stays.
  function back() {
    const entry = top();
    if (!entry) return;
    if (entry.screen.onBack && entry.screen.onBack(entry)) return;
    if (stack.length < 2) return;
    leave(stack.pop());
    show(top());
  }

  // Back to a fresh home screen, dropping everything above it.
  function home() {
    while (stack.length) leave(stack.pop());
    go('home');
  }

  function handleKey(key, current) {
    const entry = top();
    if (entry) entry.touched = true;
    return !!(entry && entry.screen.onKey && entry.screen.onKey(key, current, entry));
  }

  function handleKeyUp(key) {
    const entry = top();
    if (entry && entry.screen.onKeyUp) entry.screen.onKeyUp(key, entry);
  }

  // After a screen filled itself in: put the focus on it if it is still showing.
  // Until a key was pressed there, the screen's default element takes the focus.
  function filled(entry) {
    if (top() !== entry) return;
    if (!entry.touched) {
      TV.nav.reset();
      entry.el.removeAttribute('data-last');
    }
    TV.nav.ensure();
  }

  function tick() {
    const d = new Date();
    const text = `${d.getHours()}:${d.getMinutes() < 10 ? '0' : ''}${d.getMinutes()}`;
    const clocks = document.querySelectorAll('.h-clock');
    for (let i = 0; i < clocks.length; i++) clocks[i].textContent = text;
  }

  // Who this TV is: a paired TV goes home, any other browser to the pairing screen.
  async function start() {
    root = document.getElementById('app');
    document.title = TV.t('app_name');
    if (history.pushState) history.pushState({ tv: 1 }, '');
    setInterval(tick, 10000);
    try {
      const me = await TV.api.get('/api/v1/device');
      paired(me.station, me.members);
      go('home');
    } catch (e) {
      if (e.status === 404 || e.status === 401) go('pair');
      else go('error', { text: TV.t('error_network'), retry: () => { stack = []; start(); } });
    }
  }

  function paired(s, list) {
    station = s;
    members = list || [];
  }

  TV.screens = TV.screens || {};
  TV.app = {
    start,
    go,
    replace,
    back,
    home,
    filled,
    handleKey,
    handleKeyUp,
    paired,
    station: () => station,
    members: () => members,
    stationName: () => (station ? station.name : TV.t('home_unpaired')),
    screenEl: () => { const e = top(); return e ? e.el : null; },
    top
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
