// The admin UI's shell: who is signed in, the sign-in box, the menu and the hash router.

import { api, onUnauthenticated } from './api.js';
import { fill, h } from './dom.js';
import * as dashboard from './pages/dashboard.js';
import * as uploads from './pages/uploads.js';
import * as catalog from './pages/catalog.js';
import * as series from './pages/series.js';
import * as stations from './pages/stations.js';
import * as plans from './pages/plans.js';
import * as downloads from './pages/downloads.js';
import * as accounts from './pages/accounts.js';
import * as register from './pages/register.js';
import * as county from './pages/county.js';
import * as kits from './pages/kits.js';

const PAGES = { dashboard, uploads, catalog, series, stations, plans, downloads, accounts, register, county, kits };
const main = document.getElementById('main');
import { session } from './session.js';

// ---- sign-in ----
let waiting = [];

function showLogin(why) {
  document.getElementById('login').hidden = false;
  document.getElementById('login-why').textContent = why || '';
  document.getElementById('login-error').textContent = '';
  document.getElementById('login-name').focus();
  return new Promise((resolve) => waiting.push(resolve));
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById('login-error');
  error.textContent = '';
  const body = { name: form.name.value.trim(), password: form.password.value };
  const res = await fetch('/api/v1/session', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 429) { error.textContent = data.message || '登录失败次数过多，请稍后再试'; return; }
  if (!res.ok) { error.textContent = '用户名或密码不正确'; return; }
  form.password.value = '';
  document.getElementById('login').hidden = true;
  setSession(data);
  const resume = waiting;
  waiting = [];
  if (resume.length) resume.forEach((r) => r());
  else route();
}

function setSession(s) {
  session.name = s.signed_in ? s.name : null;
  session.role = s.signed_in ? s.role : null;
  document.getElementById('who').textContent = session.name ? `${session.name}（${session.role === 'admin' ? '管理员' : '办事员'}）` : '';
  document.getElementById('logout').hidden = !session.name;
  document.getElementById('demo-badge').hidden = !(session.name && s.demo);
  document.getElementById('nav').hidden = !session.name;
  main.classList.toggle('bare', !session.name);
  document.querySelectorAll('#nav [data-admin]').forEach((a) => { a.hidden = session.role !== 'admin'; });
  // A county server (serve --county) answers its townships list; a township's says 404.
  const link = document.querySelector('#nav [data-county]');
  link.hidden = true;
  if (session.name) {
    fetch('/api/v1/county/townships', { credentials: 'same-origin' }).then((r) => { link.hidden = !r.ok; }).catch(() => {});
  }
}

async function signOut() {
  await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin' });
  setSession({ signed_in: false });
  sessionStorage.clear();
  fill(main);
  showLogin('已退出登录。').then(route);
}

// ---- router ----
let current = 0;

/** Draws the page the hash names: `#/page/arg/arg…`. */
export async function route() {
  if (!session.name) return;
  const [name, ...args] = (location.hash.replace(/^#\/?/, '') || 'dashboard').split('/').map(decodeURIComponent);
  const page = PAGES[name] || dashboard;
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('on', a.dataset.page === (PAGES[name] ? name : 'dashboard')));
  const ticket = ++current;
  const box = h('div', {});
  fill(main, box);
  try {
    await page.render(box, args, () => ticket === current);
  } catch (e) {
    if (ticket === current) fill(box, h('p', { class: 'error', text: `页面加载失败：${e.message}` }));
  }
}

async function boot() {
  onUnauthenticated(showLogin);
  document.getElementById('login-form').addEventListener('submit', signIn);
  document.getElementById('logout').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  const me = await api('GET', '/api/v1/session');
  if (me.signed_in && me.role !== 'device') {
    setSession(me);
    route();
  } else {
    setSession({ signed_in: false });
    showLogin('请使用乡电教站的账号登录。').then(route);
  }
}

boot();
