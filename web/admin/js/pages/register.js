// One station's registers (三薄一册) for a month: what the matrix links to.

import { get } from '../api.js';
import { fill, h, table } from '../dom.js';

export const REGISTERS = [['viewing', '收看情况登记薄'], ['discussion', '讨论登记薄'], ['feedback', '信息反馈薄'], ['signin', '党员签到册']];

/** The registers' columns, as the printed registers head them. */
const COLUMNS = {
  viewing: [['date', '日期'], ['film_title', '影片'], ['duration_min', '片长（分钟）'], ['watched_min', '收看时长（分钟）'], ['run_by', '播放人'], ['attendees', '收看人数'], ['status', '状态'], ['photo', '照片']],
  discussion: [['date', '日期'], ['film_title', '影片'], ['text', '讨论内容']],
  feedback: [['date', '日期'], ['category', '类别'], ['title', '标题'], ['text', '内容']],
  signin: [['date', '日期'], ['film_title', '影片'], ['member_name', '姓名'], ['member_no', '党员编号']],
};

export async function render(box, args) {
  const [station, y, m] = args;
  const year = Number(y) || new Date().getFullYear();
  const month = Number(m) || new Date().getMonth() + 1;
  const st = await get(`/api/v1/stations/${encodeURIComponent(station)}`);
  const q = (fmt) => `station=${encodeURIComponent(station)}&year=${year}&month=${month}&format=${fmt}`;
  const data = await get(`/api/v1/reports/registers/all?${q('json')}`);
  const sections = (data.registers || []).map((r) => {
    const known = (COLUMNS[r.register] || []).map(([k]) => k);
    // The printed columns; ids and times kept for machines stay in the JSON download.
    const keys = known.length ? known : Array.from(new Set(r.rows.flatMap((row) => Object.keys(row.values))));
    const label = (k) => ((COLUMNS[r.register] || []).find(([x]) => x === k) || [k, k])[1];
    const cell = (row, k) => {
      if (k === 'date') return { class: 'nowrap', text: fmt(row.values[k]) };
      if (k === 'photo') return photoLinks(row.values.photo_urls);
      return fmt(row.values[k]);
    };
    const rows = r.rows.map((row) => [...keys.map((k) => cell(row, k)), (row.marks || []).join('、')]);
    return h('div', { class: 'card' }, h('h2', { text: `${r.title}（${r.rows.length} 条）` }),
      table([...keys.map(label), '备注'], rows, { empty: '本月没有记录。' }));
  });
  const prev = new Date(year, month - 2, 1);
  const next = new Date(year, month, 1);
  const link = (d, text) => h('a', { href: `#/register/${station}/${d.getFullYear()}/${d.getMonth() + 1}`, text });
  fill(box,
    h('h1', {}, h('span', { text: st.name }), ` ${year} 年 ${month} 月登记薄`),
    h('p', { class: 'row' }, link(prev, '← 上月'), link(next, '下月 →'),
      h('a', { href: `/api/v1/reports/registers/all?${q('html')}`, target: '_blank', text: '打印' }),
      h('a', { href: `/api/v1/reports/registers/all?${q('xlsx')}`, text: '下载 Excel' }),
      h('a', { href: `/api/v1/reports/registers/all?${q('json')}`, target: '_blank', text: 'JSON' }),
      h('a', { href: `#/stations/${station}`, text: '播放点详情' })),
    sections);
}

// 有照片: one link per photo of the showing (they open in a new tab, served by the server).
function photoLinks(urls) {
  if (!Array.isArray(urls) || !urls.length) return '';
  return h('span', { class: 'photos' }, urls.map((u, i) => h('a', { href: u, target: '_blank', rel: 'noopener', class: 'photo-link', text: urls.length > 1 ? `照片${i + 1}` : '有照片' })));
}

function fmt(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
