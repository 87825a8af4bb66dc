// 播放点: the list and a new station; one station's details, roster (with import),
// pairing codes (with a QR code for the broadcaster's phone), paired TVs and phones, DLNA
// addresses, the TVs found there and the 六有 checklist.

import { api, get } from '../api.js';
import { fill, h, table, toast } from '../dom.js';
import { clearDraft, restoreDraft, watchDraft } from '../drafts.js';
import { session } from '../session.js';

export const KINDS = [['village', '村'], ['community', '社区'], ['enterprise', '企业'], ['organ', '机关'], ['pastoral', '牧业点']];
const kindLabel = (k) => (KINDS.find(([v]) => v === k) || [k, k])[1];

export async function render(box, args, alive) {
  if (args[0]) return detail(box, args[0], alive);
  const list = await get('/api/v1/stations');
  if (!alive()) return;
  const rows = list.items.map((s) => ({
    onclick: () => { location.hash = `#/stations/${s.id}`; },
    cells: [s.code, s.name, kindLabel(s.kind), s.broadcaster || '', s.retired_at ? h('span', { class: 'muted', text: `已撤销 ${s.retired_at.slice(0, 10)}` }) : '在用'],
  }));
  fill(box, h('h1', { text: '播放点' }), session.role === 'admin' ? createForm() : null,
    h('div', { class: 'card' }, table(['编号', '名称', '类型', '播放员', '状态'], rows, { empty: '还没有播放点。' })));
}

function createForm() {
  const form = h('form', { class: 'card', 'data-draft': 'new-station', id: 'new-station' },
    h('h2', { text: '新建播放点' }),
    h('div', { class: 'row' },
      h('label', {}, '编号', h('input', { name: 'code', required: true, placeholder: '如 LJC-01', size: 10 })),
      h('label', {}, '名称', h('input', { name: 'name', required: true, placeholder: '如 李家村党员电教室', size: 22 })),
      h('label', {}, '类型', h('select', { name: 'kind' }, KINDS.map(([v, t]) => h('option', { value: v, text: t })))),
      h('label', {}, '播放员', h('input', { name: 'broadcaster', size: 10 })),
      h('button', { type: 'submit', class: 'primary', text: '新建' })),
    h('p', { class: 'error' }));
  restoreDraft(form);
  watchDraft(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    try {
      const st = await api('POST', '/api/v1/stations', { code: f.code.value.trim(), name: f.name.value.trim(), kind: f.kind.value, broadcaster: f.broadcaster.value.trim() || null });
      clearDraft('new-station');
      toast(`已新建播放点 ${st.name}`);
      location.hash = `#/stations/${st.id}`;
    } catch (err) { form.querySelector('.error').textContent = err.message; }
  });
  return form;
}

async function detail(box, id, alive) {
  const st = await get(`/api/v1/stations/${encodeURIComponent(id)}`);
  if (!alive()) return;
  const admin = session.role === 'admin';
  const cards = {
    info: h('div', { class: 'card' }), roster: h('div', { class: 'card wide' }), pairing: h('div', { class: 'card' }),
    devices: h('div', { class: 'card' }), addresses: h('div', { class: 'card' }), checklist: h('div', { class: 'card' }),
    renderers: h('div', { class: 'card', id: 'station-renderers' }),
  };
  fill(box, h('h1', {}, h('span', { text: st.name }), h('span', { class: 'muted', text: ` ${st.code} · ${kindLabel(st.kind)}` }),
    st.retired_at ? h('span', { class: 'error', text: '（已撤销）' }) : null),
  h('p', {}, h('a', { href: '#/stations', text: '← 全部播放点' }), ' · ',
    h('a', { href: `#/register/${st.id}/${new Date().getFullYear()}/${new Date().getMonth() + 1}`, text: '本月登记薄' })),
  h('div', { class: 'grid' }, cards.info, cards.checklist, admin ? cards.pairing : null, admin ? cards.devices : null, cards.addresses, cards.renderers, cards.roster));
  drawInfo(cards.info, st, admin);
  drawChecklist(cards.checklist, st);
  drawRoster(cards.roster, st);
  drawAddresses(cards.addresses, st, admin);
  drawRenderers(cards.renderers, st, admin);
  if (admin) { drawPairing(cards.pairing, st); drawDevices(cards.devices, st); }
}

function drawInfo(card, st, admin) {
  const name = h('input', { name: 'name', value: st.name, size: 20, disabled: !admin });
  const broadcaster = h('input', { name: 'broadcaster', value: st.broadcaster || '', size: 10, disabled: !admin });
  const save = h('button', { type: 'button', text: '保存', hidden: !admin });
  save.addEventListener('click', async () => {
    try { await api('PATCH', `/api/v1/stations/${st.id}`, { name: name.value, broadcaster: broadcaster.value }); toast('已保存'); } catch (e) { toast(e.message); }
  });
  const retire = h('button', { type: 'button', class: 'danger', text: '撤销此播放点', hidden: !admin || !!st.retired_at });
  retire.addEventListener('click', async () => {
    if (!window.confirm(`撤销“${st.name}”？撤销后不能再放映，历史记录保留。`)) return;
    try { await api('POST', `/api/v1/stations/${st.id}/retire`); toast('已撤销'); location.reload(); } catch (e) { toast(e.message); }
  });
  fill(card, h('h2', { text: '基本信息' }),
    h('div', { class: 'row' }, h('label', {}, '名称', name), h('label', {}, '播放员', broadcaster), save),
    h('p', { class: 'hint', text: `乡镇：${st.township || ''}　建立：${(st.created_at || '').slice(0, 10)}` }), retire);
}

async function drawChecklist(card, st) {
  const rows = (st.checklist || []).map((c) => {
    const done = h('input', { type: 'checkbox', checked: c.done, 'aria-label': c.label });
    const note = h('input', { value: c.note || '', size: 18, placeholder: '备注' });
    const save = async () => {
      try { await api('PUT', `/api/v1/stations/${st.id}/checklist/${c.item}`, { done: done.checked, note: note.value }); toast(`${c.label}：已保存`); } catch (e) { toast(e.message); }
    };
    done.addEventListener('change', save);
    note.addEventListener('change', save);
    return [h('label', { class: 'inline' }, done, c.label), note, h('span', { class: 'muted', text: (c.updated_at || '').slice(0, 10) })];
  });
  const count = (st.checklist || []).filter((c) => c.done).length;
  fill(card, h('h2', { text: `“六有”达标（${count}/6）` }), table(['项目', '备注', '更新'], rows, { class: 'checklist' }));
}

async function drawRoster(card, st) {
  const members = await get(`/api/v1/stations/${st.id}/members`);
  const file = h('input', { type: 'file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', id: 'roster-file' });
  const report = h('div', { id: 'roster-report' });
  const importBtn = h('button', { type: 'button', text: '导入名册' });
  importBtn.addEventListener('click', async () => {
    const f = file.files[0];
    if (!f) { toast('请先选择 CSV 或 Excel 文件'); return; }
    const type = /\.xlsx$/i.test(f.name) ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : (f.type || 'text/csv');
    try {
      const r = await api('POST', `/api/v1/stations/${st.id}/roster`, f, { 'content-type': type });
      fill(report, h('p', { class: 'ok-text', text: `导入了 ${r.added} 名党员。` + (r.rejected.length ? `有 ${r.rejected.length} 行没有导入：` : '') }),
        r.rejected.length ? table([{ class: 'num', text: '文件第几行' }, '没有导入的原因'], r.rejected.map((x) => [{ class: 'num', style: 'width:90px', text: x.row }, x.reason]), { class: 'rejected' }) : null);
      drawRosterTable(tableBox, st);
    } catch (e) { fill(report, h('p', { class: 'error', text: e.message })); }
  });
  const name = h('input', { placeholder: '姓名', size: 8 });
  const no = h('input', { placeholder: '党员编号', size: 10 });
  const branch = h('input', { placeholder: '支部（可不填）', size: 12 });
  const add = h('button', { type: 'button', text: '添加' });
  add.addEventListener('click', async () => {
    try {
      await api('POST', `/api/v1/stations/${st.id}/members`, { name: name.value.trim(), member_no: no.value.trim(), branch: branch.value.trim() || null });
      name.value = ''; no.value = ''; branch.value = '';
      drawRosterTable(tableBox, st);
    } catch (e) { toast(e.message); }
  });
  const tableBox = h('div', {});
  fill(card, h('h2', { class: 'roster-title', text: `党员名册（${members.total} 人）` }),
    h('div', { class: 'row' }, h('label', {}, 'CSV / Excel 名册（列：姓名、党员编号、支部）', file), importBtn, h('span', { class: 'muted', text: '或逐个添加：' }), name, no, branch, add),
    report, tableBox);
  drawRosterTable(tableBox, st, members);
}

async function drawRosterTable(box, st, members) {
  members = members || await get(`/api/v1/stations/${st.id}/members`);
  const title = box.parentElement && box.parentElement.querySelector('.roster-title');
  if (title) title.textContent = `党员名册（${members.total} 人）`;
  fill(box, h('h3', { text: '名册' }), table(['姓名', '党员编号', '支部', '加入'], members.items.map((m) => [m.name, m.member_no, m.branch || '', (m.added_at || '').slice(0, 10)]), { empty: '名册是空的。', class: 'roster' }));
}

function drawPairing(card, st) {
  const out = h('div', {});
  const make = h('button', { type: 'button', class: 'primary', text: '生成配对码', disabled: !!st.retired_at, id: 'make-code' });
  make.addEventListener('click', async () => {
    try {
      const c = await api('POST', `/api/v1/stations/${st.id}/pairing-codes`);
      const qr = `/api/v1/stations/${st.id}/pairing-codes/${encodeURIComponent(c.code)}/qr.svg`;
      fill(out, h('div', { class: 'code', id: 'pairing-code', text: c.code }),
        h('p', { class: 'hint', text: `在村里电视的“配对”页面用遥控器输入这个码。有效期至 ${new Date(c.expires_at).toLocaleString('zh-CN')}，只能用一次（一台电视或一部手机）。` }),
        h('img', { src: qr, id: 'pairing-qr', class: 'qr', width: 200, height: 200, alt: `配对码 ${c.code} 的二维码` }),
        h('p', { class: 'hint', text: '播放员的手机：用手机相机或微信“扫一扫”扫这个二维码，打开播放员页面，配对码已填好。' }));
    } catch (e) { fill(out, h('p', { class: 'error', text: e.message })); }
    drawPairingPause(pause);
  });
  const pause = h('div', {});
  fill(card, h('h2', { text: '电视和手机配对' }), h('p', { class: 'hint', text: '给这个播放点的电视或播放员手机生成一次性配对码。' }), pause, make, out);
  drawPairingPause(pause);
}

// Too many wrong codes from all addresses in an hour pause pairing for every TV: say so
// and until when, so the clerk knows why the right code is refused.
async function drawPairingPause(box) {
  try {
    const s = await get('/api/v1/devices/pairing-status');
    if (!s.paused) { fill(box); return; }
    const until = s.paused_until ? new Date(s.paused_until).toLocaleString('zh-CN') : '一小时后';
    fill(box, h('p', { class: 'error', id: 'pairing-paused', text: `电视配对已暂停：这一小时内全站输入错误的配对码达到 ${s.max_wrong_per_hour} 次，可能有人在猜配对码。到 ${until} 自动恢复，之前任何配对码（包括正确的）都会被拒绝。` }));
  } catch (e) { fill(box); }
}

async function drawDevices(card, st) {
  const list = await get(`/api/v1/stations/${st.id}/devices`);
  const rows = list.items.map((d) => [d.name || (d.kind === 'phone' ? '（未命名手机）' : '（未命名电视）'), d.kind === 'phone' ? '手机' : '电视', (d.paired_at || '').slice(0, 16).replace('T', ' '), d.client || '',
    h('button', { type: 'button', class: 'danger', text: '解除', on: { click: async () => {
      if (!window.confirm(`解除${d.kind === 'phone' ? '手机' : '电视'}“${d.name || d.device_id}”的配对？`)) return;
      try { await api('DELETE', `/api/v1/stations/${st.id}/devices/${d.device_id}`); drawDevices(card, st); } catch (e) { toast(e.message); }
    } } })]);
  fill(card, h('h2', { text: '已配对的电视和手机' }), table(['名称', '类型', '配对时间', '地址', ''], rows, { empty: '还没有配对的电视或手机。', class: 'devices' }));
}

async function drawAddresses(card, st, admin) {
  const list = await get(`/api/v1/stations/${st.id}/addresses`);
  const input = h('input', { placeholder: '如 192.168.1.50', size: 16 });
  const add = h('button', { type: 'button', text: '登记' });
  add.addEventListener('click', async () => {
    try { await api('POST', `/api/v1/stations/${st.id}/addresses`, { address: input.value.trim() }); drawAddresses(card, st, admin); } catch (e) { toast(e.message); }
  });
  const rows = list.items.map((a) => [a.address, (a.added_at || '').slice(0, 10), admin ? h('button', { type: 'button', class: 'danger', text: '删除', on: { click: async () => {
    try { await api('DELETE', `/api/v1/stations/${st.id}/addresses/${encodeURIComponent(a.address)}`); drawAddresses(card, st, admin); } catch (e) { toast(e.message); }
  } } }) : '']);
  fill(card, h('h2', { text: 'DLNA 电视地址' }),
    h('p', { class: 'hint', text: '不能配对的电视（用 DLNA 投屏的），按它的 IP 地址记到这个播放点。' }),
    table(['地址', '登记', ''], rows, { empty: '没有登记地址。' }), admin ? h('div', { class: 'row' }, input, add) : null);
}

// The TVs (DLNA renderers) the server has found at this station's addresses, or been given
// by their description address (routed villages, where TVs cannot be found by multicast):
// what the office can push a film to from a film's page, and when each was last used.
async function drawRenderers(card, st, admin) {
  const title = h('h2', { text: '站点的电视（DLNA 投屏）' });
  let list = [];
  try { list = await get(`/api/v1/renderers?station=${encodeURIComponent(st.id)}`); } catch (e) { fill(card, title, h('p', { class: 'error', text: e.message })); return; }
  const when = (t) => (t ? new Date(t).toLocaleString('zh-CN') : '');
  const rows = list.map((r) => [r.name, r.address, r.present === false ? '重启后还没找到' : when(r.last_seen), when(r.last_used) || '从未']);
  const location = h('input', { id: 'renderer-location', placeholder: '如 http://192.168.1.20:49152/description.xml', size: 40 });
  const add = h('button', { type: 'button', text: '添加电视' });
  add.addEventListener('click', async () => {
    try {
      await api('POST', `/api/v1/stations/${st.id}/renderers`, { location: location.value.trim() });
      toast('已添加，这台电视可以投屏了。');
      drawRenderers(card, st, admin);
    } catch (e) { toast(e.message); }
  });
  fill(card, title,
    h('p', { class: 'hint', text: '服务器在这个播放点登记的地址上找到的电视；在影片页面可以让它们播放影片。' }),
    table(['电视', '地址', '最后发现', '最后使用'], rows, { empty: '还没有找到电视。', class: 'renderers' }),
    admin ? h('p', { class: 'hint', text: '隔着路由器的村（另一个网段）找不到电视时：先把电视的 IP 登记到上面的地址里，再填电视的 DLNA 描述地址（电视说明书或投屏设置里可查）。' }) : null,
    admin ? h('div', { class: 'row' }, location, add) : null);
}
