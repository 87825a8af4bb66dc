// 报表下载: every register and report as Excel, printable page or JSON; the ledger export.

import { api, get } from '../api.js';
import { fill, h, table, toast } from '../dom.js';
import { REGISTERS } from './register.js';

export async function render(box) {
  const stations = await get('/api/v1/stations');
  const now = new Date();
  const station = h('select', {}, stations.items.map((s) => h('option', { value: s.id, text: `${s.name}（${s.code}）` })));
  const year = h('input', { type: 'number', value: now.getFullYear(), style: 'width:80px' });
  const month = h('select', {}, Array.from({ length: 12 }, (_, i) => h('option', { value: i + 1, text: `${i + 1} 月`, selected: i === now.getMonth() })));
  const quarter = h('select', {}, [1, 2, 3, 4].map((q) => h('option', { value: q, text: `第 ${q} 季度`, selected: q === Math.floor(now.getMonth() / 3) + 1 })));
  const out = h('div', {});
  const links = (path, params) => ['xlsx', 'html', 'json'].map((fmt) => {
    const q = new URLSearchParams(Object.assign({}, params, { format: fmt }));
    const label = { xlsx: 'Excel', html: '打印', json: 'JSON' }[fmt];
    return h('a', { href: `${path}?${q}`, target: fmt === 'xlsx' ? undefined : '_blank', class: `dl ${fmt}`, text: label, style: 'margin-right:10px' });
  });
  const draw = () => {
    const st = station.value;
    const y = year.value;
    const rows = [
      ...REGISTERS.map(([k, t]) => [t, '所选播放点、所选月份', links(`/api/v1/reports/registers/${k}`, { station: st, year: y, month: month.value })]),
      ['三薄一册（全部四本）', '所选播放点、所选月份', links('/api/v1/reports/registers/all', { station: st, year: y, month: month.value })],
      ['三薄一册（全年）', '所选播放点、全年', links('/api/v1/reports/registers/all', { station: st, from: `${y}-01-01`, to: `${y}-12-31` })],
      ['季报', '所选播放点、所选季度', links('/api/v1/reports/quarterly', { station: st, year: y, quarter: quarter.value })],
      ['月查总表（各站 × 各月）', '全乡、全年', links('/api/v1/reports/monthly', { year: y })],
      ['年度汇总（制作任务、牧区学时）', '全乡、全年', links('/api/v1/reports/yearly', { year: y })],
    ];
    fill(out, table(['报表', '范围', '下载'], rows));
  };
  [station, year, month, quarter].forEach((el) => el.addEventListener('change', draw));
  draw();
  fill(box, h('h1', { text: '报表下载' }),
    h('div', { class: 'card' }, h('div', { class: 'row' }, h('label', {}, '播放点', station), h('label', {}, '年份', year), h('label', {}, '月份', month), h('label', {}, '季度', quarter)), out),
    h('div', { class: 'card' }, h('h2', { text: '台账导出（报县里核验）' }),
      h('p', { class: 'hint', text: '台账是只增不改的记录链。导出的文件连同检查点交县委组织部电教中心，可用 dianjiao ledger verify 核验没有被改动。' }),
      h('p', {}, h('a', { href: '/api/v1/ledger?from_seq=0&limit=100000', target: '_blank', text: '台账记录（JSON）' }), '　',
        h('a', { href: '/api/v1/ledger/checkpoint', target: '_blank', text: '签名检查点' }))),
    await countyCard());
}

/** 报送县里: this ledger's key and fingerprint (for the county's registration), where pushes
 * go, the last push, and a button to push now. */
async function countyCard() {
  const info = await get('/api/v1/county/sender').catch(() => null);
  if (!info) return null;
  const last = h('p', {});
  const show = (r) => {
    if (!r) { fill(last, '还没有报送过。'); return; }
    const what = r.ok ? `成功：县里已核验到第 ${r.county_len - 1} 条（本次新增 ${r.added} 条）` : `未成功：${r.message || r.state || ''}`;
    fill(last, h('span', { class: r.ok ? 'state ok' : 'state action', text: r.ok ? '正常' : (r.state === 'refused' ? '县里拒收' : '未完成') }), `　${r.at}　${what}`);
  };
  show(info.last);
  const send = h('button', { type: 'button', class: 'primary', text: '立即报送县里', disabled: !info.county_url });
  send.addEventListener('click', async () => {
    send.disabled = true;
    try { const r = await api('POST', '/api/v1/county/send'); show(r); toast(r.ok ? '已报送县里' : '报送未完成，见下方说明'); } catch (e) { toast(e.message); }
    send.disabled = false;
  });
  return h('div', { class: 'card' }, h('h2', { text: '报送县里' }),
    h('p', { class: 'hint', text: '本乡账本的公钥请交县委组织部电教中心登记；县里会与您电话核对一次指纹。之后新的台账记录按计划自动报送，也可随时点按钮报送。' }),
    h('p', {}, '账本公钥：', h('code', { text: info.key || '（尚未生成）' })),
    h('p', {}, '指纹：', h('code', { text: info.fingerprint || '' })),
    h('p', {}, info.county_url ? `县里服务器：${info.county_url}，每 ${info.push_secs} 秒自动报送一次` : '尚未设置县里服务器地址（设置 county_url），也可导出台账文件用 U 盘交县里。'),
    h('p', {}, send), last);
}
