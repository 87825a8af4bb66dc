// 影片准备 (the dashboard's preparation card): the queue in the order the server will
// prepare it, each film with why it is there (本季度计划 / 本地制作 / 正在点播 / 最近添加,
// or moved by hand), its progress or its failed tries; "先准备这部" moves a film to the
// front (a failed one back into the queue). Failed and refused films follow with why.

import { api, get } from '../api.js';
import { clock, fill, h, stateLabel, table, toast } from '../dom.js';

const SHOWN = 50;

/** Draws the card into `card` (and again after each move). */
export async function drawPreparation(card) {
  try {
    const [queue, failedFilms, rejected] = await Promise.all([
      get(`/api/v1/preparation/queue?limit=${SHOWN}`),
      get('/api/v1/films?state=failed&per_page=20'),
      get('/api/v1/films?state=rejected&per_page=20'),
    ]);
    const items = queue.items || [];
    const preparing = items.filter((q) => q.state === 'preparing').length;
    const rows = items.map((q) => queueRow(card, q));
    for (const f of [...failedFilms.items, ...rejected.items]) {
      rows.push({ cells: ['', f.title || f.source_name, stateLabel(f.state),
        h('span', { class: 'error', text: f.reason || '原因不明' }),
        f.state === 'failed' ? firstButton(card, f.id, f.title) : ''] });
    }
    fill(card,
      h('h2', { text: '影片准备' }),
      h('p', { class: 'hint', text: `准备中 ${preparing}，排队 ${queue.total - preparing}，失败 ${failedFilms.total}，拒收 ${rejected.total}` }),
      h('p', { class: 'hint', text: '按下面的顺序准备：手动提前的 → 本季度计划 → 本地制作 → 正在点播 → 最近添加。失败的会隔一段时间自动再试。' }),
      h('div', { id: 'prep-queue' }, table(['顺序', '影片', '原因', '进度 / 状态', ''], rows, { empty: '所有影片都已可以播放。' })),
      queue.total > items.length ? h('p', { class: 'muted', text: `还有 ${queue.total - items.length} 部在后面排队。` }) : null);
  } catch (e) {
    fill(card, h('h2', { text: '影片准备' }), h('p', { class: 'error', text: e.message }));
  }
}

/** One film of the queue: its place, title, why, progress or tries, and the button. */
function queueRow(card, q) {
  const why = q.first ? `先准备这部（${q.first.by} 提前）· ${q.why_label}` : q.why_label;
  return {
    cells: [
      { class: 'num', text: q.position },
      { text: q.title, 'data-film': q.film_id, class: 'film' },
      { text: why, 'data-why': q.why, class: 'why' },
      status(q),
      q.state === 'queued' && q.position > 1 ? firstButton(card, q.film_id, q.title) : '',
    ],
  };
}

function status(q) {
  if (q.state === 'preparing') {
    const pct = q.percent || 0;
    return h('div', {}, h('div', { class: 'bar' }, h('div', { style: `width:${pct}%` })),
      h('span', { class: 'muted', text: `${stateLabelText(q)} ${pct}%` + (q.eta_s ? `，约 ${clock(q.eta_s)} 后完成` : '') }));
  }
  if (q.tries) {
    const when = q.retry_at ? `，${new Date(q.retry_at).toLocaleTimeString('zh-CN', { hour12: false })} 再试` : '';
    return h('span', { class: 'error', title: q.reason || '', text: `已失败 ${q.tries} 次（共可试 ${q.max_tries} 次）${when}` });
  }
  return h('span', {}, stateLabel(q.state), ' ', h('span', { class: 'muted', text: '等待中' }));
}

function stateLabelText(q) {
  return q.tries ? `准备中（第 ${q.tries + 1} 次）` : '准备中';
}

function firstButton(card, filmId, title) {
  return h('button', { type: 'button', text: '先准备这部', 'data-first': filmId, on: { click: async (e) => {
    e.target.disabled = true;
    try {
      const placed = await api('POST', `/api/v1/preparation/queue/${encodeURIComponent(filmId)}/first`);
      toast(`《${title}》已排到第 ${placed.position} 位，接下来就准备它。`);
    } catch (err) { toast(err.message); }
    await drawPreparation(card);
  } } });
}
