// 片库编目: the film list with search, and a film's description form with a player to pick
// the moments of its prompts (播中提示), and "play on a station's TV" (tvpush.js).

import { api, get } from '../api.js';
import { clock, fill, h, parseClock, stateLabel, table, toast } from '../dom.js';
import { clearDraft, loadDraft, restoreDraft, watchDraft } from '../drafts.js';
import { pushCard } from './tvpush.js';

const CATEGORIES = [['', '（未分类）'], ['central', '中央'], ['provincial', '省'], ['county', '市县'], ['local', '本地制作']];
const STATES = [['', '全部（不含拒收）'], ['ready', '可播放'], ['queued', '排队准备'], ['preparing', '准备中'], ['failed', '准备失败'], ['rejected', '已拒收']];

export async function render(box, args, alive) {
  if (args[0]) return edit(box, args[0], alive);
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const q = h('input', { name: 'q', value: params.get('q') || '', placeholder: '片名、拼音或首字母', size: 28 });
  const state = h('select', { name: 'state' }, STATES.map(([v, t]) => h('option', { value: v, text: t, selected: v === (params.get('state') || '') })));
  const form = h('form', { class: 'row card' }, h('label', {}, '搜索', q), h('label', {}, '状态', state), h('button', { type: 'submit', text: '查找' }));
  const results = h('div', {});
  form.addEventListener('submit', (e) => { e.preventDefault(); draw(results, q.value, state.value); });
  fill(box, h('h1', { text: '片库编目' }), form, results);
  await draw(results, q.value, state.value);
}

async function draw(box, q, state) {
  const query = new URLSearchParams({ per_page: '100' });
  if (q.trim()) query.set('q', q.trim());
  if (state) query.set('state', state);
  const list = await get(`/api/v1/films?${query}`);
  const rows = list.items.map((f) => ({
    onclick: () => { location.hash = `#/catalog/${f.id}`; },
    cells: [f.title, f.series || '', { class: 'num', text: f.episode || '' }, f.category_label || '',
      h('span', {}, f.themes.map((t) => h('span', { class: 'tag', text: t }))), { class: 'num', text: f.year || '' },
      f.media ? clock(f.media.duration_s) : '', stateLabel(f.state)],
  }));
  fill(box, h('p', { class: 'hint', text: `共 ${list.total} 部，点击一行编辑。` }),
    table(['片名', '系列', { class: 'num', text: '集' }, '分类', '主题', { class: 'num', text: '年份' }, '时长', '状态'], rows, { empty: '没有找到影片。' }));
}

function field(label, input, cls) { return h('label', { class: cls }, label, input); }

async function edit(box, id, alive) {
  const film = await get(`/api/v1/films/${encodeURIComponent(id)}`);
  if (!alive()) return;
  const key = `film:${id}`;
  const draft = loadDraft(key);
  const input = (name, value, attrs = {}) => h('input', Object.assign({ name, value: value === undefined || value === null ? '' : value }, attrs));
  const form = h('form', { class: 'card', 'data-draft': key, id: 'film-form' });
  const cueRows = h('tbody', {});
  const video = h('video', { controls: true, preload: 'metadata', id: 'scrubber' });
  const now = h('span', { class: 'muted', text: '0:00' });
  video.addEventListener('timeupdate', () => { now.textContent = clock(video.currentTime); });
  const addCue = (at, text) => {
    const t = input('cue_at[]', at === '' ? '' : clock(at), { size: 8, title: '分:秒' });
    const jump = h('button', { type: 'button', text: '▶', title: '跳到这里', on: { click: () => { const s = parseClock(t.value); if (!Number.isNaN(s)) { video.currentTime = s; video.play().catch(() => {}); } } } });
    const row = h('tr', {}, h('td', { class: 't nowrap' }, t, ' ', jump),
      h('td', {}, input('cue_text[]', text, { type: 'text', placeholder: '提示的话，如：请注意这里讲的三项要求' })),
      h('td', {}, h('button', { type: 'button', class: 'danger', text: '删除', on: { click: () => { row.remove(); form.dispatchEvent(new Event('input')); } } })));
    cueRows.appendChild(row);
    return row;
  };
  const cueSource = draft && draft['cue_at[]'] ? draft['cue_at[]'].map((a, i) => [parseClock(a), draft['cue_text[]'][i]]) : film.cues.map((c) => [c.at_s, c.text]);
  cueSource.forEach(([a, t]) => addCue(Number.isNaN(a) ? '' : a, t));
  const error = h('p', { class: 'error', role: 'alert' });
  fill(form,
    h('div', { class: 'form' },
      field('片名', input('title', film.title, { required: true }), 'span2'),
      field('系列', input('series', film.series)),
      field('集数', input('episode', film.episode, { type: 'number', min: 1, max: 9999 })),
      field('分类', h('select', { name: 'category' }, CATEGORIES.map(([v, t]) => h('option', { value: v, text: t, selected: v === (film.category || '') })))),
      field('主题（用顿号或逗号分隔）', input('themes', film.themes.join('、')), 'span2'),
      field('年份', input('year', film.year, { type: 'number', min: 1921, max: 2100 })),
      field('出品单位', input('producer', film.producer), 'span2'),
      h('span', { class: 'span2' }),
      field('简介', h('textarea', { name: 'summary', value: film.summary || '' }), 'span4'),
      field('播前备课（播放员放映前要讲的话）', h('textarea', { name: 'prep_notes', value: film.prep_notes || '' }), 'span4')),
    h('h3', { text: '播中提示（放映到该时刻时在电视上显示）' }),
    h('table', { class: 'cues' }, h('thead', {}, h('tr', {}, h('th', { text: '时刻' }), h('th', { text: '提示' }), h('th', {}))), cueRows),
    h('div', { class: 'row' },
      h('button', { type: 'button', text: '＋ 在播放器当前时刻添加提示', id: 'add-cue', on: { click: () => { addCue(video.currentTime || 0, '').querySelector('input[type=text]').focus(); } } }),
      h('span', { class: 'muted', text: '先在右边播放器里拖到需要提示的地方。' })),
    error,
    h('div', { class: 'row end' }, h('a', { href: '#/catalog', text: '返回片库' }), h('button', { type: 'submit', class: 'primary', text: '保存' })));
  if (draft) { restoreDraft(form); toast('已恢复上次未保存的内容'); }
  watchDraft(form);
  form.addEventListener('submit', (e) => { e.preventDefault(); save(form, film, key, error); });
  const media = film.media || {};
  const facts = [
    ['原文件', film.source_name], ['状态', stateLabel(film.state)], ['时长', media.duration_s ? clock(media.duration_s) : '—'],
    ['画面', media.width ? `${media.width}×${media.height} ${media.video_codec || ''}` : (media.audio_only ? '仅声音' : '—')],
    ['声音', media.audio_codec || '—'],
  ];
  fill(box,
    h('h1', {}, '编辑影片：', h('span', { text: film.title })),
    film.reason ? h('p', { class: 'error', text: `原因：${film.reason}` }) : null,
    h('div', { class: 'split' }, form,
      h('div', {},
        h('div', { class: 'card video-box' }, video, h('div', { class: 'row' }, '当前时刻 ', now)),
        h('div', { class: 'card' }, table(['', ''], facts.map(([k, v]) => [{ class: 'muted nowrap', text: k }, v]), { noHead: true })),
        pushCard(film, alive))));
  attach(video, film);
}

/** Plays the film in the scrubber: the prepared tv.mp4, else HLS (hls.js). */
function attach(video, film) {
  if (film.tv_mp4_url) { video.src = film.tv_mp4_url; return; }
  if (!film.hls_url) return;
  if (video.canPlayType('application/vnd.apple.mpegurl')) video.src = film.hls_url;
  else if (window.Hls && Hls.isSupported()) { const hls = new Hls(); hls.loadSource(film.hls_url); hls.attachMedia(video); }
}

function num(v) { return v.trim() === '' ? null : Number(v); }
function text(v) { return v.trim() === '' ? null : v; }

async function save(form, film, key, error) {
  error.textContent = '';
  const f = form.elements;
  const ats = Array.from(form.querySelectorAll('input[name="cue_at[]"]'));
  const texts = Array.from(form.querySelectorAll('input[name="cue_text[]"]'));
  const cues = [];
  for (let i = 0; i < ats.length; i += 1) {
    const at = parseClock(ats[i].value);
    if (Number.isNaN(at)) { error.textContent = `第 ${i + 1} 条提示的时刻“${ats[i].value}”看不懂，请写成 分:秒，如 3:25`; ats[i].focus(); return; }
    cues.push({ at_s: at, text: texts[i].value });
  }
  const body = {
    title: f.title.value, series: text(f.series.value), episode: num(f.episode.value),
    category: f.category.value || null, year: num(f.year.value), producer: text(f.producer.value),
    themes: f.themes.value.split(/[、,，;；]/).map((t) => t.trim()).filter(Boolean),
    summary: text(f.summary.value), prep_notes: text(f.prep_notes.value), cues,
  };
  try {
    const saved = await api('PATCH', `/api/v1/films/${encodeURIComponent(film.id)}`, body);
    clearDraft(key);
    toast(`已保存：${saved.title}`);
    location.hash = '#/catalog';
  } catch (e) {
    error.textContent = e.message;
  }
}
