// 系列与主题: rename and describe a series; the township's ordered list of annual and phase
// playback themes (播放主题).

import { api, get } from '../api.js';
import { fill, h, table, toast } from '../dom.js';

export async function render(box) {
  const seriesCard = h('div', { class: 'card' });
  const themesCard = h('div', { class: 'card' });
  fill(box, h('h1', { text: '系列与主题' }), h('div', { class: 'split' }, seriesCard, themesCard));
  await Promise.all([drawSeries(seriesCard), drawThemes(themesCard)]);
}

async function drawSeries(card) {
  const list = await get('/api/v1/series');
  const rows = list.items.map((s) => {
    const name = h('input', { value: s.name, style: 'width:100%', 'aria-label': '系列名' });
    const summary = h('input', { value: s.summary || '', style: 'width:100%', placeholder: '系列简介', 'aria-label': '简介' });
    const save = h('button', { type: 'button', text: '保存' });
    save.addEventListener('click', async () => {
      try {
        await api('PATCH', `/api/v1/series/${encodeURIComponent(s.name)}`, { name: name.value, summary: summary.value });
        toast('系列已保存');
        drawSeries(card);
      } catch (e) { toast(e.message); }
    });
    return [name, { class: 'num', text: s.film_count }, summary, save];
  });
  fill(card, h('h2', { text: '系列' }),
    h('p', { class: 'hint', text: '改名后，该系列的每一部影片都随之改名；重新扫描片库不会改回去。' }),
    table(['系列名', { class: 'num', text: '部数' }, '简介', ''], rows, { empty: '还没有系列。' }));
}

async function drawThemes(card) {
  const [plan, used] = await Promise.all([get('/api/v1/theme-plan'), get('/api/v1/themes')]);
  const items = plan.items.map((t) => Object.assign({}, t));
  const counts = new Map(used.items.map((t) => [t.name, t.film_count]));
  const body = h('tbody', {});
  const redraw = () => {
    fill(body, items.map((t, i) => {
      const name = h('input', { value: t.name, size: 12, 'aria-label': '主题', on: { input: (e) => { t.name = e.target.value; } } });
      const kind = h('select', { on: { change: (e) => { t.kind = e.target.value; } } },
        h('option', { value: 'annual', text: '年度', selected: t.kind === 'annual' }), h('option', { value: 'phase', text: '阶段', selected: t.kind === 'phase' }));
      const year = h('input', { type: 'number', value: t.year === undefined || t.year === null ? '' : t.year, style: 'width:70px', on: { input: (e) => { t.year = e.target.value ? Number(e.target.value) : null; } } });
      const note = h('input', { value: t.note || '', size: 16, placeholder: '说明', on: { input: (e) => { t.note = e.target.value; } } });
      const move = (d) => () => { const j = i + d; if (j < 0 || j >= items.length) return; [items[i], items[j]] = [items[j], items[i]]; redraw(); };
      return h('tr', {}, h('td', { class: 'num', text: i + 1 }), h('td', {}, name), h('td', {}, kind), h('td', {}, year), h('td', {}, note),
        h('td', { class: 'num', text: counts.get(t.name) || 0 }),
        h('td', { class: 'nowrap' }, h('button', { type: 'button', text: '↑', on: { click: move(-1) } }), h('button', { type: 'button', text: '↓', on: { click: move(1) } }),
          h('button', { type: 'button', class: 'danger', text: '删', on: { click: () => { items.splice(i, 1); redrawAll(); } } })));
    }));
  };
  const redrawAll = () => { redraw(); drawSuggestions(); };
  const suggestions = h('p', { class: 'hint' });
  const drawSuggestions = () => {
    const unused = used.items.filter((t) => !items.some((i) => i.name === t.name));
    fill(suggestions, unused.length ? '影片里已有的主题，点一下加入：' : null, unused.map((t) => h('button', { type: 'button', class: 'link', style: 'margin-right:8px', text: `${t.name}（${t.film_count}）`,
      on: { click: () => { items.push({ name: t.name, kind: 'phase', year: new Date().getFullYear(), note: '' }); redrawAll(); } } })));
  };
  redrawAll();
  const add = h('button', { type: 'button', text: '＋ 添加主题', on: { click: () => { items.push({ name: '', kind: 'phase', year: new Date().getFullYear(), note: '' }); redraw(); } } });
  const save = h('button', { type: 'button', class: 'primary', text: '保存主题顺序' });
  save.addEventListener('click', async () => {
    try { await api('PUT', '/api/v1/theme-plan', { items }); toast('播放主题已保存'); drawThemes(card); } catch (e) { toast(e.message); }
  });
  fill(card, h('h2', { text: '播放主题（按顺序）' }),
    h('p', { class: 'hint', text: '年度主题和阶段主题，按分类型、分层次的顺序排列。影片的主题在“片库编目”里填写；“影片数”是带有该主题的影片。' }),
    h('table', {}, h('thead', {}, h('tr', {}, ['#', '主题', '类型', '年份', '说明', '影片数', ''].map((x) => h('th', { text: x })))), body),
    items.length ? null : h('p', { class: 'muted', text: '还没有排定播放主题。' }),
    suggestions,
    h('div', { class: 'row end' }, add, save));
}
