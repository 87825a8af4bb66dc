// 在站点电视上播放: from a film's page, office staff push the film to a station's TV (its
// DLNA renderer), then pause, resume or stop it and watch where the TV is. The server drives
// the TV and logs the showing (source dlna_push); this card only asks it to.

import { api, get } from '../api.js';
import { clock, fill, h } from '../dom.js';

/** How often the TV's state is read while a pushed film plays, ms. */
const POLL_MS = 2000;

const STATES = {
  idle: '空闲', starting: '正在启动', playing: '正在播放', paused: '已暂停',
  transitioning: '正在缓冲', unreachable: '电视没有应答',
};

/** The card for `film`; `alive()` is false once the page is left (polling stops). */
export function pushCard(film, alive) {
  const card = h('div', { class: 'card', id: 'tv-push' });
  const station = h('select', { id: 'push-station', 'aria-label': '站点' });
  const renderer = h('select', { id: 'push-renderer', 'aria-label': '电视' });
  const find = h('button', { type: 'button', text: '重新查找电视', id: 'push-find' });
  const play = h('button', { type: 'button', class: 'primary', text: '在电视上播放', id: 'push-play', disabled: true });
  const error = h('p', { class: 'error', role: 'alert', id: 'push-error' });
  const live = h('div', { id: 'push-live' });
  const ui = { card, station, renderer, play, error, live, film, alive, playing: null };
  fill(card, h('h2', { text: '在站点电视上播放' }),
    h('p', { class: 'hint', text: '选一个播放点和它的电视（DLNA 投屏），服务器让电视播放这部影片并记录放映。' }),
    h('div', { class: 'row' }, h('label', {}, '播放点', station), h('label', {}, '电视', renderer), find),
    h('div', { class: 'row' }, play), error, live);
  station.addEventListener('change', () => listRenderers(ui));
  renderer.addEventListener('change', () => { play.disabled = !renderer.value; });
  find.addEventListener('click', () => listRenderers(ui));
  play.addEventListener('click', () => push(ui));
  if (film.state !== 'ready') {
    play.hidden = true;
    fill(error, '影片准备好（可播放）之后才能推送到电视。');
  }
  listStations(ui);
  return card;
}

async function listStations(ui) {
  try {
    const list = await get('/api/v1/stations');
    const open = list.items.filter((s) => !s.retired_at);
    fill(ui.station, h('option', { value: '', text: '— 选择播放点 —' }),
      open.map((s) => h('option', { value: s.id, text: `${s.code} ${s.name}` })));
  } catch (e) { ui.error.textContent = e.message; }
}

async function listRenderers(ui) {
  ui.error.textContent = '';
  ui.play.disabled = true;
  if (!ui.station.value) { fill(ui.renderer); return; }
  try {
    // TVs remembered from before a restart but not found since cannot be pushed to.
    const all = await get(`/api/v1/renderers?station=${encodeURIComponent(ui.station.value)}`);
    const list = all.filter((r) => r.present !== false);
    if (!list.length) {
      fill(ui.renderer, h('option', { value: '', text: '（没有找到电视）' }));
      ui.error.textContent = '这个播放点还没有找到电视：请打开电视并连上网络，确认电视的地址已登记到这个播放点，稍等一分钟再点“重新查找电视”。';
      return;
    }
    fill(ui.renderer, list.map((r) => h('option', { value: r.id, text: `${r.name}（${r.address}）` })));
    ui.play.disabled = false;
  } catch (e) { ui.error.textContent = e.message; }
}

async function push(ui) {
  const id = ui.renderer.value;
  if (!id) return;
  ui.error.textContent = '';
  ui.play.disabled = true;
  try {
    const started = await api('POST', `/api/v1/renderers/${encodeURIComponent(id)}/play`, { film_id: ui.film.id });
    ui.playing = { renderer: id, play_id: started.play_id };
    drawControls(ui);
    poll(ui, ui.playing);
  } catch (e) {
    ui.error.textContent = e.message;
  }
  ui.play.disabled = false;
}

function drawControls(ui) {
  const command = (action, label, cls) => h('button', { type: 'button', text: label, class: cls, id: `push-${action}`, on: { click: () => control(ui, action) } });
  ui.stateText = h('span', { id: 'push-state', text: '正在启动' });
  ui.positionText = h('span', { id: 'push-position', class: 'num', text: '0:00' });
  fill(ui.live, h('p', {}, '电视：', ui.stateText, '　位置：', ui.positionText),
    h('div', { class: 'row' }, command('pause', '暂停'), command('resume', '继续'), command('stop', '停止', 'danger')));
}

async function control(ui, action) {
  const p = ui.playing;
  if (!p) return;
  ui.error.textContent = '';
  try {
    await api('POST', `/api/v1/renderers/${encodeURIComponent(p.renderer)}/${action}`);
    if (action === 'stop') finish(ui, p, '放映已停止');
  } catch (e) { ui.error.textContent = e.message; }
}

/** Reads where the TV is until the play ends or the page is left. */
async function poll(ui, p) {
  while (ui.alive() && ui.playing === p) {
    const seen = await where(p);
    if (ui.playing !== p) return;
    if (seen.error) ui.error.textContent = seen.error;
    else show(ui, seen);
    if (seen.ended) { finish(ui, p, seen.ended); return; }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The TV's state from the renderer's status; failing that, the play as the server logs it. */
async function where(p) {
  try {
    const s = await get(`/api/v1/renderers/${encodeURIComponent(p.renderer)}/status`);
    const ended = s.ended && s.ended.play_id === p.play_id ? s.ended.message : null;
    const other = s.play_id && s.play_id !== p.play_id;
    return { state: STATES[s.state] || s.state, position: s.position_s, duration: s.duration_s, message: s.message, ended: ended || (other ? '这台电视改放了另一部影片' : null) };
  } catch (e) {
    try {
      const play = await get(`/api/v1/plays/${encodeURIComponent(p.play_id)}`);
      return { state: play.active ? '正在播放' : '已结束', position: play.position_s, duration: play.duration_s, ended: play.active ? null : '放映已结束' };
    } catch (e2) { return { error: e2.message }; }
  }
}

function show(ui, seen) {
  ui.stateText.textContent = seen.message ? `${seen.state}（${seen.message}）` : seen.state;
  const pos = typeof seen.position === 'number' ? clock(seen.position) : '—';
  ui.positionText.textContent = seen.duration ? `${pos} / ${clock(seen.duration)}` : pos;
  ui.positionText.dataset.seconds = typeof seen.position === 'number' ? String(seen.position) : '';
}

function finish(ui, p, message) {
  if (ui.playing !== p) return;
  ui.playing = null;
  if (ui.stateText) ui.stateText.textContent = message;
  ui.live.querySelectorAll('button').forEach((b) => { b.disabled = true; });
}
