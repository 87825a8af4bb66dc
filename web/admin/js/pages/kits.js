// 牧区放映包: "制作牧区放映包" (a pastoral station, films or its quarter plan, written into one
// of the server's kit folders — the kit_out_dirs setting — with a progress bar) and
// "导入牧区记录" (the records file a kit's page exported, checked and added to the ledger).

import { api, get } from '../api.js';
import { bytes, fill, h, table, toast } from '../dom.js';

function makeCard(stations, films, dirs, onMade) {
  const station = h('select', { name: 'station', id: 'kit-station' }, stations.map((s) => h('option', { value: s.id, text: `${s.name}（${s.code}）` })));
  const now = new Date();
  const year = h('input', { type: 'number', id: 'kit-year', value: now.getFullYear(), style: 'width:80px' });
  const quarter = h('select', { id: 'kit-quarter' }, [1, 2, 3, 4].map((q) => h('option', { value: q, text: `第 ${q} 季度`, selected: q === Math.floor(now.getMonth() / 3) + 1 })));
  const byPlan = h('input', { type: 'radio', name: 'kit-choice', value: 'plan', checked: true });
  const byFilms = h('input', { type: 'radio', name: 'kit-choice', value: 'films' });
  const list = h('div', { class: 'grid', id: 'kit-films' }, films.map((f) => h('label', {}, h('input', { type: 'checkbox', value: f.id }), f.title)));
  const dir = h('select', { id: 'kit-dir' }, dirs.map((d) => h('option', { value: d, text: d })));
  const bar = h('progress', { max: 100, value: 0, hidden: true, id: 'kit-progress' });
  const state = h('p', { class: 'hint', id: 'kit-state' });
  const error = h('p', { class: 'error' });
  const button = h('button', { type: 'submit', class: 'primary', text: '制作放映包' });
  const form = h('form', { class: 'card', id: 'kit-make' },
    h('h2', { text: '制作牧区放映包' }),
    h('p', { class: 'hint', text: '把影片、海报、备课提示、党员名单和一个离线网页复制到 U 盘。到了牧场，用笔记本电脑双击“打开电教放映包.html”即可放映和记录，不需要网络。' }),
    h('div', { class: 'row' }, h('label', {}, '牧业点', station), h('label', {}, '写入文件夹', dir)),
    h('div', { class: 'row' }, h('label', {}, byPlan, '按季度播放计划'), year, quarter),
    h('div', { class: 'row' }, h('label', {}, byFilms, '自选影片（已准备好的）')), list,
    bar, state, error, h('div', { class: 'row end' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const body = { station_id: station.value, out_dir: dir.value };
    if (byPlan.checked) body.plan = `${year.value}-Q${quarter.value}`;
    else body.film_ids = Array.from(list.querySelectorAll('input:checked')).map((c) => c.value);
    button.disabled = true;
    try {
      let p = await api('POST', '/api/v1/kits', body);
      bar.hidden = false;
      while (p.state === 'making') {
        bar.value = p.total_bytes ? Math.floor((p.copied_bytes * 100) / p.total_bytes) : 0;
        state.textContent = `正在复制影片：${bytes(p.copied_bytes)} / ${bytes(p.total_bytes)}`;
        await new Promise((r) => setTimeout(r, 1000));
        p = await get(`/api/v1/kits/${encodeURIComponent(p.kit_id)}`);
      }
      if (p.state === 'failed') throw new Error(p.error || '制作失败');
      bar.value = 100;
      state.textContent = `放映包已制作：${p.folder}`;
      toast('放映包已制作');
      onMade();
    } catch (err) { error.textContent = err.message; } finally { button.disabled = false; }
  });
  return form;
}

function importCard(onDone) {
  const file = h('input', { type: 'file', accept: '.json,application/json', id: 'kit-file' });
  const result = h('p', { class: 'hint', id: 'kit-import-result' });
  const error = h('p', { class: 'error', id: 'kit-import-error' });
  const form = h('form', { class: 'card', id: 'kit-import' },
    h('h2', { text: '导入牧区记录' }),
    h('p', { class: 'hint', text: '选择放映包网页导出的“记录-….json”文件。服务器核对放映包、记录链、片单、有效期、时长和时间是否重叠，无误后记入台账；同一个文件再导入一次不会重复记录。' }),
    h('div', { class: 'row' }, file), result, error,
    h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'primary', text: '导入记录' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    result.textContent = '';
    const chosen = file.files[0];
    if (!chosen) { error.textContent = '请先选择记录文件'; return; }
    try {
      const r = await api('POST', '/api/v1/kits/import', chosen);
      result.textContent = `文件中 ${r.records} 条记录：新记入台账 ${r.added} 条，以前已导入 ${r.already} 条。`;
      toast('牧区记录已导入');
      onDone();
    } catch (err) { error.textContent = err.message; }
  });
  return form;
}

async function drawKits(card) {
  const kits = await get('/api/v1/kits');
  const made = kits.kits.length
    ? table(['放映包', '牧业点', '制作时间', '有效至', '影片', '文件夹'], kits.kits.map((k) => [k.kit_id, k.station_name, k.made_at, k.valid_to, String(k.films), k.folder]))
    : h('p', { class: 'muted', text: '还没有制作过放映包。' });
  fill(card, h('h2', { text: '已制作的放映包' }), made);
}

export async function render(box) {
  const [stations, films, kits] = await Promise.all([get('/api/v1/stations'), get('/api/v1/films?state=ready&per_page=200'), get('/api/v1/kits')]);
  const pastoral = stations.items.filter((s) => s.kind === 'pastoral' && !s.retired_at);
  const list = h('div', { class: 'card', id: 'kit-list' });
  // Only the list is drawn again: the forms keep their results on screen.
  const again = () => drawKits(list).catch(() => {});
  fill(box, h('h1', { text: '牧区放映包' }),
    pastoral.length ? makeCard(pastoral, films.items, kits.out_dirs, again) : h('p', { class: 'muted', text: '还没有牧业点（在“播放点”中添加类型为牧业点的站点）。' }),
    importCard(again), list);
  await drawKits(list);
}
