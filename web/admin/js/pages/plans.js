// 季度播放计划: a station's films per month for a quarter, written to the ledger as its
// `plan` entry (the 季报 takes it from there; a later plan replaces an earlier one).

import { api, get } from '../api.js';
import { fill, h, toast } from '../dom.js';
import { clearDraft, restoreDraft, watchDraft } from '../drafts.js';

export async function render(box) {
  const [stations, films] = await Promise.all([get('/api/v1/stations'), get('/api/v1/films?state=ready&per_page=200')]);
  const active = stations.items.filter((s) => !s.retired_at);
  const now = new Date();
  const nextQ = Math.floor(now.getMonth() / 3) + 2;
  const year = nextQ > 4 ? now.getFullYear() + 1 : now.getFullYear();
  const form = h('form', { class: 'card', 'data-draft': 'plan', id: 'plan-form' });
  const station = h('select', { name: 'station' }, active.map((s) => h('option', { value: s.id, text: `${s.name}（${s.code}）` })));
  const yearIn = h('input', { name: 'year', type: 'number', value: year, style: 'width:80px' });
  const quarter = h('select', { name: 'quarter' }, [1, 2, 3, 4].map((q) => h('option', { value: q, text: `第 ${q} 季度`, selected: q === ((nextQ - 1) % 4) + 1 })));
  const months = h('div', { class: 'grid' });
  const options = () => [h('option', { value: '', text: '（不选）' }), ...films.items.map((f) => h('option', { value: f.id, text: f.series ? `${f.title}（${f.series}）` : f.title }))];
  const drawMonths = () => {
    const q = Number(quarter.value);
    fill(months, [0, 1, 2].map((i) => {
      const m = (q - 1) * 3 + i + 1;
      return h('div', { class: 'card' }, h('h3', { text: `${m} 月` }),
        [0, 1, 2].map((k) => h('div', { class: 'row' }, h('select', { name: `m${i}_${k}`, 'data-month': m, style: 'width:100%' }, options()))));
    }));
  };
  quarter.addEventListener('change', drawMonths);
  drawMonths();
  const error = h('p', { class: 'error' });
  fill(form,
    h('div', { class: 'row' }, h('label', {}, '播放点', station), h('label', {}, '年份', yearIn), h('label', {}, '季度', quarter)),
    h('p', { class: 'hint', text: '每月至少安排 1 部影片（每月最多选 3 部）。只能选已准备好的影片。提交后记入台账，作为季报中的“下季度播放计划”。' }),
    months, error, h('div', { class: 'row end' }, h('button', { type: 'submit', class: 'primary', text: '提交计划' })));
  if (restoreDraft(form)) { drawMonths(); restoreDraft(form); }
  watchDraft(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const items = Array.from(form.querySelectorAll('select[data-month]')).filter((s) => s.value)
      .map((s) => ({ month: Number(s.dataset.month), film_id: s.value }));
    if (!items.length) { error.textContent = '请至少为一个月选择影片'; return; }
    try {
      await api('POST', `/api/v1/stations/${station.value}/plans`, { year: Number(yearIn.value), quarter: Number(quarter.value), items });
      clearDraft('plan');
      toast('播放计划已提交');
    } catch (err) { error.textContent = err.message; }
  });
  fill(box, h('h1', { text: '季度播放计划' }), active.length ? form : h('p', { class: 'muted', text: '还没有在用的播放点。' }));
}
