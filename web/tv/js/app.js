// The screen stack: go to a screen, Back to the one before; start-up (paired or not).
(function () {
  'use strict';

  var root = null;
  var stack = [];
  var station = null;
  var members = [];

  function top() { return stack.length ? stack[stack.length - 1] : null; }

  function show(entry) {
    while (root.firstChild) root.removeChild(root.firstChild);
    root.appendChild(entry.el);
    TV.nav.reset();
    tick();
    if (entry.screen.onShow) entry.screen.onShow(entry);
    TV.nav.ensure();
  }

  function make(name, params) {
    var screen = TV.screens[name];
    var entry = { name: name, params: params || {}, screen: screen, el: null };
    entry.el = screen.render(entry.params, entry);
    entry.el.setAttribute('data-screen', name);
    return entry;
  }

  function leave(entry) {
    if (entry && entry.screen.onLeave) entry.screen.onLeave(entry);
  }

  function go(name, params) {
    var entry = make(name, params);
    stack.push(entry);
    show(entry);
  }

  function replace(name, params) {
    leave(stack.pop());
    go(name, params);
  }

  // Back one screen (a screen or its dialog may take Back itself). The first screen stays.
  function back() {
    var entry = top();
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
    var entry = top();
    if (entry) entry.touched = true;
    return !!(entry && entry.screen.onKey && entry.screen.onKey(key, current, entry));
  }

  function handleKeyUp(key) {
    var entry = top();
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
    var d = new Date();
    var text = d.getHours() + ':' + (d.getMinutes() < 10 ? '0' : '') + d.getMinutes();
    var clocks = document.querySelectorAll('.h-clock');
    for (var i = 0; i < clocks.length; i++) clocks[i].textContent = text;
  }

  // Who this TV is: a paired TV goes home, any other browser to the pairing screen.
  async function start() {
    root = document.getElementById('app');
    document.title = TV.t('app_name');
    if (history.pushState) history.pushState({ tv: 1 }, '');
    setInterval(tick, 10000);
    try {
      var me = await TV.api.get('/api/v1/device');
      paired(me.station, me.members);
      go('home');
    } catch (e) {
      if (e.status === 404 || e.status === 401) go('pair');
      else go('error', { text: TV.t('error_network'), retry: function () { stack = []; start(); } });
    }
  }

  function paired(s, list) {
    station = s;
    members = list || [];
  }

  TV.screens = TV.screens || {};
  TV.app = {
    start: start,
    go: go,
    replace: replace,
    back: back,
    home: home,
    filled: filled,
    handleKey: handleKey,
    handleKeyUp: handleKeyUp,
    paired: paired,
    station: function () { return station; },
    members: function () { return members; },
    stationName: function () { return station ? station.name : TV.t('home_unpaired'); },
    screenEl: function () { var e = top(); return e ? e.el : null; },
    top: top
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
