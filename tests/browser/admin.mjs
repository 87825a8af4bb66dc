// The township admin UI in a real browser (Debian's Chromium via playwright-core): sign in
// (a wrong password: a generic message; a throttled account: the server's words); upload a
// film through the page and follow it to `ready`; an upload cut after its first chunk goes
// on after a page reload and ends with the refusal in words; describe a film with a prompt
// picked on the player (the session expiring in between, nothing typed lost); add a station
// (a reload keeps the draft), import a roster CSV, make a pairing code; plan a quarter; add
// an account and reset its password; open the monthly matrix and a station's register;
// then every admin page with a station, a film, a member and a TV named like markup: no
// script may run and the name must show as text. Sign out last.
//
//   node tests/browser/admin.mjs BASE_URL CONFIG_JSON
//
// CONFIG_JSON: {"user", "password", "film_id", "upload_file"?, "junk_file"?, "reports": bool,
// "hostile": {"text", "station", "film"}, "shots": DIR}. Prints one JSON line
// {"ok", "steps": {name: "ok" | "skipped: why"}, "errors": [..], "film_id", "pairing_code"}
// and exits 0 when every step that ran passed.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/package.json', import.meta.url)));
const CHROMIUM = process.env.DIANJIAO_CHROMIUM || '/usr/bin/chromium';
const [base, configJson] = process.argv.slice(2);
const cfg = JSON.parse(configJson);
const steps = {};
const errors = [];
let dialogs = 0;
let chromium;
try { ({ chromium } = require('playwright-core')); } catch (e) {
  console.error(`admin.mjs: web/'s test packages are not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}
mkdirSync(cfg.shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--lang=zh-CN', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
const page = await context.newPage();
page.on('dialog', async (d) => { if (d.type() !== 'confirm') dialogs += 1; await d.dismiss().catch(() => {}); });
page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
page.setDefaultTimeout(20_000);

const go = async (hash) => { await page.goto(`${base}/admin/#/${hash}`); await page.waitForLoadState('networkidle'); };
const shot = (name, fullPage = false) => page.screenshot({ path: `${cfg.shots}/admin-${name}.png`, fullPage });
const api = (path) => page.evaluate(async (p) => { const r = await fetch(p); return { status: r.status, body: await r.json().catch(() => null) }; }, path);
const check = (cond, what) => { if (!cond) throw new Error(what); };

async function step(name, fn) {
  try { const r = await fn(); steps[name] = r || 'ok'; } catch (e) { steps[name] = `failed: ${e.message}`; errors.push(`${name}: ${e.message}`); }
}

async function logIn() {
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-name', cfg.user);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden' });
}

const out = { film_id: cfg.film_id, pairing_code: null, station_id: null };

await step('sign_in', async () => {
  await page.goto(`${base}/admin/`);
  await page.fill('#login-name', cfg.user);
  await page.fill('#login-password', 'not the password');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  const msg = await page.textContent('#login-error');
  check(msg === '用户名或密码不正确', `wrong password said ${msg}`);
  // Another account, tried until the server throttles it: the page shows the server's words.
  await page.fill('#login-name', 'zhang-san');
  let said = '';
  for (let i = 0; i < 8 && !said.includes('分钟后再试'); i += 1) {
    await page.fill('#login-password', `wrong ${i}`);
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await page.click('#login-form button[type=submit]');
    await answered;
    await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
    said = await page.textContent('#login-error');
  }
  check(said.startsWith('登录失败次数过多'), `a throttled sign-in said ${JSON.stringify(said)}`);
  await page.fill('#login-name', cfg.user);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])');
});

await step('upload', async () => {
  await go('uploads');
  if (!cfg.upload_file) { await shot('upload'); return 'skipped: the server has no /api/v1/uploads yet'; }
  await page.setInputFiles('#upload-form input[type=file]', cfg.upload_file);
  await page.fill('#upload-form input[name=title]', '本乡党建新闻');
  await page.selectOption('#upload-form select[name=production]', 'party_news');
  await page.click('#upload-form button[type=submit]');
  await page.waitForSelector('.upload .bar > div');
  try {
    await page.waitForSelector('.upload .ok-text', { timeout: 120_000 });
  } catch (e) {
    await shot('upload');
    throw new Error(`the upload did not end ready; the page says: ${await page.textContent('.upload')}`);
  }
  await shot('upload');
  const href = await page.getAttribute('a.edit-film', 'href');
  out.film_id = href.split('/').pop();
  const film = await api(`/api/v1/films/${out.film_id}`);
  check(film.body.state === 'ready', `uploaded film is ${film.body.state}`);
});

await step('upload_resume', async () => {
  if (!cfg.junk_file) return 'skipped: the server has no /api/v1/uploads yet';
  // The second chunk never gets through: the page keeps retrying; the office closes the tab.
  let patches = 0;
  const cut = (route) => {
    const req = route.request();
    if (req.method() === 'PATCH' && req.headers()['upload-offset'] !== '0') { patches += 1; return route.abort('connectionreset'); }
    return route.continue();
  };
  await go('uploads');
  await page.route('**/api/v1/uploads/**', cut);
  await page.setInputFiles('#upload-form input[type=file]', cfg.junk_file);
  await page.click('#upload-form button[type=submit]');
  await page.waitForFunction(() => /重试续传/.test(document.querySelector('.upload').textContent), null, { timeout: 60_000 });
  check(patches >= 1, 'the second chunk was never sent');
  // Reload while the cut still holds, so no retry of the old page finishes the upload.
  await page.reload();
  await page.waitForSelector('#upload-form');
  await page.unroute('**/api/v1/uploads/**', cut);
  const listed = await page.textContent('main');
  check(listed.includes('未完成的上传'), 'the unfinished upload is not listed after the reload');
  // Choosing the same file again goes on from the server's offset.
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'PATCH') sent.push(r.headers()['upload-offset']); });
  await page.setInputFiles('#upload-form input[type=file]', cfg.junk_file);
  await page.click('#upload-form button[type=submit]');
  await page.waitForSelector('.upload .error', { timeout: 120_000 });
  const said = await page.textContent('.upload .error');
  check(sent.length >= 1 && Number(sent[0]) >= 16 * 1024 * 1024, `after the reload PATCHes started at ${JSON.stringify(sent)}`);
  check(said.startsWith('服务器拒收了这个文件：') && said.length > 12, `the refusal reads ${JSON.stringify(said)}`);
  await page.waitForFunction(() => !document.querySelector('main').textContent.includes('未完成的上传'), null, { timeout: 5_000 })
    .catch(() => { throw new Error('the finished upload is still listed as unfinished'); });
  await shot('upload-refused');
});

await step('catalog_edit', async () => {
  await go(`catalog/${out.film_id}`);
  await page.waitForSelector('#film-form');
  await page.fill('#film-form input[name=title]', '村级党课示范片');
  await page.fill('#film-form input[name=themes]', '基层组织建设、双培双带');
  await page.fill('#film-form textarea[name=prep_notes]', '放映前先讲双培双带的来历。');
  await page.waitForFunction(() => document.getElementById('scrubber').readyState >= 1, null, { timeout: 30_000 });
  await page.evaluate(() => { document.getElementById('scrubber').currentTime = 1; });
  await page.waitForFunction(() => Math.abs(document.getElementById('scrubber').currentTime - 1) < 0.05);
  const before = await page.locator('input[name="cue_at[]"]').count();
  await page.click('#add-cue');
  await page.locator('input[name="cue_text[]"]').nth(before).fill('请注意：这里讲的是带头致富');
  const at = await page.locator('input[name="cue_at[]"]').nth(before).inputValue();
  check(at === '0:01', `the cue was put at ${at}, not at the player's 0:01`);
  await shot('catalog-edit');
  // The session ends while the form is open: saving asks to sign in again, and the form
  // (kept on the page and in sessionStorage) is saved after that.
  await context.clearCookies();
  await page.click('#film-form button[type=submit]');
  await page.waitForSelector('#login:not([hidden])');
  const kept = await page.evaluate(() => Object.keys(sessionStorage).some((k) => k.startsWith('dj-draft:film:')));
  check(kept, 'no draft in sessionStorage when the session expired');
  check((await page.inputValue('#film-form input[name=title]')) === '村级党课示范片', 'the title typed was lost');
  await logIn();
  await page.waitForFunction(() => location.hash === '#/catalog');
  const film = (await api(`/api/v1/films/${out.film_id}`)).body;
  check(film.title === '村级党课示范片', `saved title ${film.title}`);
  check(film.cues.some((c) => Math.abs(c.at_s - 1) < 0.05 && c.text.includes('带头致富')), `cues ${JSON.stringify(film.cues)}`);
  const found = (await api(`/api/v1/films?q=${encodeURIComponent('示范片')}`)).body;
  check(found.items.some((f) => f.id === out.film_id), 'search does not find the new title');
});

await step('station', async () => {
  await go('stations');
  await page.fill('#new-station input[name=code]', 'UI-01');
  await page.fill('#new-station input[name=name]', '测试村电教室');
  // A reload of the tab keeps what was typed (the draft in sessionStorage).
  await page.reload();
  await page.waitForSelector('#new-station');
  const restored = await page.inputValue('#new-station input[name=name]');
  check(restored === '测试村电教室', `after a reload the form holds ${JSON.stringify(restored)}`);
  await page.click('#new-station button[type=submit]');
  await page.waitForFunction(() => /#\/stations\/st_/.test(location.hash));
  out.station_id = (await page.evaluate(() => location.hash)).split('/').pop();
  await page.waitForSelector('#roster-file');
  const csv = '姓名,党员编号,支部\n张三,UI-001,第一支部\n李四,,第一支部\n王五,UI-003,第二支部\n';
  await page.setInputFiles('#roster-file', { name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.click('text=导入名册');
  await page.waitForSelector('#roster-report .ok-text');
  const report = await page.textContent('#roster-report');
  check(report.includes('导入了 2 名党员'), `import said ${report}`);
  check((await page.locator('#roster-report table.rejected tbody tr').count()) === 1, 'the rejected row is not listed');
  check((await page.textContent('#roster-report table.rejected tbody tr td')).trim() === '3', 'the rejected row number is not 3');
  await page.click('#make-code');
  await page.waitForSelector('#pairing-code');
  out.pairing_code = (await page.textContent('#pairing-code')).trim();
  check(out.pairing_code.length >= 4, `pairing code ${out.pairing_code}`);
  await page.waitForFunction(() => { const i = document.querySelector('#pairing-qr'); return i && i.complete && i.naturalWidth > 0; });
  check((await page.textContent('.roster-title')).includes('2 人'), 'the roster count did not follow the import');
  await shot('station', true);
});

await step('plan', async () => {
  await go('plans');
  await page.selectOption('#plan-form select[name=station]', out.station_id);
  await page.selectOption('#plan-form select[name=quarter]', '2');
  await page.selectOption('#plan-form select[data-month="4"] >> nth=0', cfg.film_id);
  await page.selectOption('#plan-form select[data-month="6"] >> nth=0', cfg.film_id);
  await shot('plan');
  await page.click('#plan-form button[type=submit]');
  await page.waitForSelector('#toast:has-text("播放计划已提交")');
  const ledger = (await api('/api/v1/ledger?from_seq=0&limit=1000')).body;
  const entries = ledger.items || ledger.entries || ledger;
  const plan = entries.filter((e) => e.kind === 'plan' && e.station === out.station_id).pop();
  check(plan && plan.payload.quarter === 2 && plan.payload.items.map((i) => i.month).join() === '4,6', `plan entry ${JSON.stringify(plan)}`);
});

await step('accounts', async () => {
  await go('accounts');
  await page.fill('form input[name=name]', 'clerk-ui');
  await page.fill('form input[name=password]', 'first-password');
  await page.click('form button[type=submit]');
  const row = page.locator('tr', { hasText: 'clerk-ui' });
  await row.waitFor();
  await row.locator('input[type=password]').fill('second-password');
  await row.locator('button').click();
  await page.waitForSelector('#toast:has-text("密码已重设")');
  const other = await browser.newContext();
  const tryPw = async (pw) => (await other.request.post(`${base}/api/v1/session`, { data: { name: 'clerk-ui', password: pw }, headers: { origin: base } })).status();
  check((await tryPw('first-password')) === 401 && (await tryPw('second-password')) === 200, 'the reset password does not work as set');
  await other.close();
});

await step('matrix', async () => {
  await go('dashboard');
  if (!cfg.reports) { await shot('dashboard'); return 'skipped: the server has no /api/v1/reports yet'; }
  await page.waitForSelector('table.matrix');
  await page.waitForSelector('#unregistered table');
  check((await page.textContent('#unregistered')).includes(cfg.unregistered), 'the dashboard does not list the unregistered viewer');
  await shot('dashboard');
  const month = new Date().getMonth() + 1;
  check((await page.locator(`table.matrix td.m[data-station="${out.station_id}"]`).count()) === 12, 'the new station has no row in the matrix');
  const cell = page.locator(`table.matrix td.m[data-station="${cfg.hostile.station}"][data-month="${month}"]`);
  await cell.click();
  await page.waitForFunction(() => location.hash.startsWith('#/register/'));
  await page.waitForSelector('h1:has-text("登记薄")');
  check((await page.textContent('main')).includes('党员签到册（1 条）'), 'the register page does not list the showing\'s sign-in');
  await page.waitForLoadState('networkidle');
  await shot('register');
});

await step('unregistered', async () => {
  await go('dashboard');
  const row = page.locator('#unregistered tr', { hasText: cfg.unregistered });
  await row.waitFor();
  await row.locator('select').selectOption(out.station_id);
  await row.locator('button').click();
  await page.waitForSelector('#toast:has-text("已把")');
  await page.waitForSelector(`#unregistered:not(:has-text("${cfg.unregistered}"))`);
  const list = await (await page.request.get(`${base}/api/v1/stations/${out.station_id}/addresses`)).json();
  check(JSON.stringify(list).includes(cfg.unregistered), `the address was not registered: ${JSON.stringify(list)}`);
});

await step('doctor', async () => {
  await go('dashboard');
  const ledger = page.locator('#doctor li[data-check="ledger"]');
  await ledger.waitFor({ timeout: 60000 });
  check((await ledger.locator('.state').textContent()) === '正常', 'the ledger check is not 正常');
  check((await ledger.locator('.summary').textContent()).trim().length > 0, 'the ledger check has no summary');
  const format = page.locator('#doctor li[data-check="data_format"] .state');
  check((await format.textContent()) === '正常', 'the data format check is not 正常');
  const detail = ledger.locator('.pre');
  check(!(await detail.isVisible()), 'the detail shows before it is asked for');
  await ledger.locator('button', { hasText: '详情' }).click();
  check(await detail.isVisible() && (await detail.textContent()).length > 0, 'the detail does not open');
  const words = await page.locator('#doctor li .state').allTextContents();
  check(words.every((w) => ['正常', '注意', '需处理'].includes(w)), `unknown status words: ${words}`);
  await page.locator('#doctor').scrollIntoViewIfNeeded();
  await shot('doctor');
});

await step('xss', async () => {
  const h = cfg.hostile;
  const pages = ['dashboard', 'catalog', `catalog/${h.film}`, 'series', 'stations', `stations/${h.station}`, 'plans', 'downloads', 'accounts'];
  const year = new Date().getFullYear();
  if (cfg.reports) pages.push(`register/${h.station}/${year}/${new Date().getMonth() + 1}`);
  for (const p of pages) {
    await go(p);
    await page.waitForTimeout(300);
    const state = await page.evaluate((text) => ({
      shown: document.body.innerText.includes(text) || Array.from(document.querySelectorAll('input, textarea, select')).some((el) => el.value.includes(text) || (el.options && Array.from(el.options).some((o) => o.text.includes(text)))),
      injected: document.querySelectorAll('main img, main [onerror]').length,
    }), h.text);
    check(state.injected === 0, `${p}: markup from a name became elements`);
    const quiet = ['series', 'accounts'].concat(cfg.reports ? [] : ['dashboard']);
    if (!quiet.includes(p)) check(state.shown, `${p}: the hostile name is not shown as text`);
  }
  if (cfg.reports) {
    await page.goto(`${base}/api/v1/reports/registers/all?station=${h.station}&from=${year}-01-01&to=${year}-12-31&format=html`);
    const printed = await page.evaluate((text) => ({ shown: document.body.innerText.includes(text), injected: document.querySelectorAll('img, [onerror]').length, start: document.body.innerText.slice(0, 300) }), h.text);
    check(printed.shown && printed.injected === 0, `print view: ${JSON.stringify(printed)}`);
  }
  check(dialogs === 0, `${dialogs} dialog(s) opened`);
});

await step('sign_out', async () => {
  await go('dashboard');
  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  const me = (await api('/api/v1/session')).body;
  check(me.signed_in === false, 'still signed in after 退出登录');
});

await browser.close();
const ok = errors.length === 0;
console.log(JSON.stringify({ ok, steps, errors, ...out }));
process.exit(ok ? 0 : 1);
