// 全县汇总 (county server only): townships with their key state — refused ones in red with
// the seq the county found changed — registering and confirming a township's key, and the
// year's points × months, follow-ups and tasks, built only from verified entries.

import { api, get } from '../api.js';
import { fill, h, table, toast } from '../dom.js';
import { session } from '../session.js';

const STATES = { ok: '正常', refused: '拒收', unconfirmed: '待确认指纹' };

function stateCell(t) {
  const label = STATES[t.state] || t.state;
  const text = t.state === 'refused' && t.refused_seq !== null ? `${label}（第 ${t.refused_seq} 条不一致）` : label;
  return { class: t.state === 'refused' ? 'refused' : undefined, children: h('span', { class: `state ${t.state === 'ok' ? 'ok' : t.state === 'refused' ? 'action' : 'warn'}`, text: text }) };
}

function townships(list, reload) {
  const rows = list.map((t) => {
    const confirm = t.state === 'unconfirmed' && session.role === 'admin'
      ? h('button', { type: 'button', text: '核对指纹', on: { click: () => confirmKey(t, reload) } }) : null;
    return { cells: [t.name, stateCell(t), t.last_verified_seq === null ? '—' : String(t.last_verified_seq), t.fingerprint, t.last_import_at || '—', t.reason || '', confirm || ''], class: t.state === 'refused' ? 'refused' : undefined };
  });
  return table(['乡镇', '状态', '已核验到第几条', '密钥指纹', '最近报送', '拒收原因', ''], rows, { empty: '还没有登记乡镇' });
}

async function confirmKey(t, reload) {
  const fp = window.prompt(`请乡镇在其“报表下载”页或 dianjiao ledger key 读出指纹，输入以核对：\n登记的指纹：${t.fingerprint}`);
  if (!fp) return;
  try {
    await api('POST', `/api/v1/county/townships/${encodeURIComponent(t.id)}/confirm`, { fingerprint: fp });
    toast('指纹一致，已开始接收该乡镇的台账');
    reload();
  } catch (e) { toast(e.message); }
}

function registerForm(reload) {
  const name = h('input', { placeholder: '乡镇名称', style: 'width:140px' });
  const key = h('input', { placeholder: '账本公钥（dianjiao ledger key 的第一行）', style: 'width:480px' });
  const go = async (event) => {
    event.preventDefault();
    try {
      const t = await api('POST', '/api/v1/county/townships', { name: name.value.trim(), key: key.value.trim() });
      toast(`已登记 ${t.name}，请与乡镇核对指纹 ${t.fingerprint}`);
      reload();
    } catch (e) { toast(e.message); }
  };
  return h('form', { class: 'row', on: { submit: go } }, name, key, h('button', { type: 'submit', class: 'primary', text: '登记乡镇' }));
}

function yearSummary(view) {
  const rows = view.townships.map((t) => [
    t.name, stateCell(t), String(t.rows.length), String(t.showings),
    t.participation_rate === null ? '—' : `${(t.participation_rate * 100).toFixed(1)}%`,
    t.info_reports_by_quarter.map((n) => `${n}/2`).join(' '), `${t.party_news}/1`, `${t.features}/1`,
    String(t.pastoral_hours), String(t.field_kit_entries),
  ]);
  return table(['乡镇', '状态', '站点', '放映', '参与率', '电教信息（每季）', '党建新闻', '专题片', '牧区时数', '便携记录'], rows);
}

function followUps(view) {
  const rows = view.follow_up.map((f) => [f.township, `${f.name}（${f.code}）`, String(f.showings), f.months_below_floor.map((m) => `${m}月`).join('、')]);
  return table(['乡镇', '站点', '全年放映', '无放映的月份'], rows, { empty: '没有未达标的站点' });
}

export async function render(box) {
  const year = h('input', { type: 'number', value: new Date().getFullYear(), style: 'width:80px' });
  const list = h('div', {});
  const out = h('div', {});
  const reload = async () => {
    const data = await get('/api/v1/county/townships');
    fill(list, townships(data.townships, reload));
    const view = await get(`/api/v1/county/monthly?year=${encodeURIComponent(year.value)}`);
    const q = (fmt) => `/api/v1/county/monthly?year=${encodeURIComponent(year.value)}&format=${fmt}`;
    fill(out, h('p', {}, h('a', { href: q('xlsx'), text: 'Excel（年度考核）' }), '　', h('a', { href: q('html'), target: '_blank', text: '打印' })),
      yearSummary(view), h('h2', { text: '未达标站点（请乡镇跟进）' }), followUps(view));
  };
  year.addEventListener('change', reload);
  fill(box, h('h1', { text: '全县汇总' }),
    h('div', { class: 'card' }, h('h2', { text: '乡镇与账本核验' }),
      h('p', { class: 'hint', text: '只有核验通过的台账才会计入。账本被改写的乡镇标红“拒收”，并写明第一处不一致的条目；之后它报送的内容一概不合并。' }),
      session.role === 'admin' ? registerForm(reload) : null, list),
    h('div', { class: 'card' }, h('div', { class: 'row' }, h('label', {}, '年份', year)), out));
  await reload();
}
