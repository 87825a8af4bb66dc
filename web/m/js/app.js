// The screen stack (go, back, home), kept in step with the browser's history so the phone's
// own back button (WeChat's too) goes back one screen; start-up: paired → home, else pairing.
(() => {
  'use strict';

  let root = null;
  const stack = [];
  let station = null;
  let members = [];
  let ignorePops = 0;

  const top = () => (stack.length ? stack[stack.length - 1] : null);

  function show(entry) {
    M.ui.clear(root);
    root.appendChild(entry.el);
    window.scrollTo(0, entry.scroll || 0);
    if (entry.screen.onShow) entry.screen.onShow(entry);
  }

  function make(name, params) {
    const screen = M.screens[name];
    const entry = { name, params: params || {}, screen, el: null };
    entry.el = screen.render(entry.params, entry);
    entry.el.setAttribute('data-screen', name);
    return entry;
  }

  function leave(entry) {
    if (entry && entry.screen.onLeave) entry.screen.onLeave(entry);
  }

  function hide(entry) {
    if (!entry) return;
    entry.scroll = window.pageYOffset || 0;
    if (entry.screen.onHide) entry.screen.onHide(entry);
  }

  function go(name, params) {
    hide(top());
    const entry = make(name, params);
    stack.push(entry);
    if (stack.length > 1 && history.pushState) history.pushState({ m: stack.length }, '');
    show(entry);
  }

  // The current screen gives way to another (no new history step).
  function replace(name, params) {
    leave(stack.pop());
    const entry = make(name, params);
    stack.push(entry);
    show(entry);
  }

  // One screen back (the page's ‹ button goes through the history, like the phone's own).
  function back() {
    if (stack.length > 1 && history.pushState) history.back();
    else popped();
  }

  function popped() {
    if (ignorePops > 0) { ignorePops--; return; }
    const entry = top();
    if (!entry || stack.length < 2) return;
    if (entry.screen.onBack && entry.screen.onBack(entry)) {
      // The screen keeps the phone here: put back the history step the browser took.
      if (history.pushState) history.pushState({ m: stack.length }, '');
      return;
    }
    leave(stack.pop());
    show(top());
  }

  // A fresh home screen, dropping everything above it.
  function home() {
    const steps = stack.length - 1;
    while (stack.length) leave(stack.pop());
    if (steps > 0 && history.go) { ignorePops++; history.go(-steps); }
    go('home');
  }

  function paired(me) {
    station = me.station;
    members = me.members || [];
  }

  // Who this phone is: paired → home; otherwise the pairing screen (with ?code= filled in).
  async function start() {
    root = document.getElementById('app');
    document.title = M.t('app_name');
    window.addEventListener('popstate', popped);
    const code = (/[?&]code=(\d{6})(?:&|$)/.exec(location.search) || [])[1] || '';
    try {
      paired(await M.api.get('/api/v1/device'));
      go('home');
    } catch (e) {
      if (e.status === 404 || e.status === 401 || e.status === 403) go('pair', { code });
      else go('failed', { text: M.say(e) });
    }
  }

  M.screens = M.screens || {};
  M.screens.failed = {
    render(params) {
      const again = M.ui.button(M.t('retry'), () => { location.reload(); }, 'primary', 'reload');
      return M.ui.screen('failed', M.t('app_name'), [M.ui.el('p.status.bad', params.text), again], true);
    }
  };

  M.app = {
    start,
    go,
    replace,
    back,
    home,
    paired,
    top,
    station: () => station,
    members: () => members,
    stationName: () => (station ? station.name : '')
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
