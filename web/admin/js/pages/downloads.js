// 报表下载: every register and report as Excel, printable page or JSON; the ledger export.

import { get } from '../api.js';
import { fill, h, table } from '../dom.js';
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
    const q = new URLSearchParams({ ...params, format: fmt });
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
        h('a', { href: '/api/v1/ledger/checkpoint', target: '_blank', text: '签名检查点' }))));
}
