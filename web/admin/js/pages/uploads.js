// 上传影片: resumable uploads with tus-js-client (progress, speed, resume after a network
// drop or a page reload), then following the film until it is ready or refused.

import { api } from '../api.js';
import { bytes, clock, fill, h, stateLabel, toast } from '../dom.js';

const PRODUCTIONS = [['', '不计入制作任务'], ['party_news', '党建新闻（党建类新闻）'], ['feature', '专题片']];

export async function render(box) {
  const file = h('input', { type: 'file', name: 'file', accept: 'video/*,audio/*,.mpg,.mpeg,.dat,.vob,.avi,.wmv,.rmvb,.rm,.flv,.mkv,.mp4,.ts' });
  const title = h('input', { name: 'title', placeholder: '不填则用文件名', size: 36 });
  const production = h('select', { name: 'production' }, PRODUCTIONS.map(([v, t]) => h('option', { value: v, text: t })));
  const start = h('button', { type: 'submit', class: 'primary', text: '开始上传' });
  const list = h('div', {});
  const form = h('form', { class: 'card', id: 'upload-form' },
    h('h2', { text: '上传本地制作的影片' }),
    h('p', { class: 'hint', text: '影片可能有几个 GB。网络断了会自动续传；关掉页面后，重新选择同一个文件即可从断点继续。上传完成后服务器会检查文件、编目，并准备好电视播放用的版本。' }),
    h('div', { class: 'row' }, h('label', {}, '影片文件', file), h('label', {}, '片名', title), h('label', {}, '制作任务', production), start));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!file.files.length) { toast('请先选择影片文件'); return; }
    for (const f of file.files) startUpload(list, f, { title: title.value.trim(), production: production.value, done: () => refresh(pending) });
    file.value = '';
    title.value = '';
  });
  const pending = h('div', {});
  refresh(pending);
  fill(box, h('h1', { text: '上传影片' }), form, pending, list);
}

/** Lists the uploads this browser started and did not finish (tus keeps them in localStorage). */
function refresh(card) {
  fill(card);
  if (!window.tus || !tus.defaultOptions.urlStorage) return;
  tus.defaultOptions.urlStorage.findAllUploads().then((all) => {
    if (!all.length) return;
    fill(card, h('div', { class: 'card' },
      h('h2', { text: '未完成的上传' }),
      h('p', { class: 'hint', text: '重新选择下面的同一个文件，上传会从断点继续：' }),
      h('ul', {}, all.map((u) => h('li', { text: `${(u.metadata && u.metadata.filename) || '（无名）'} — ${bytes(u.size)}，开始于 ${new Date(u.creationTime).toLocaleString('zh-CN')}` })))));
  }).catch(() => {});
}

function startUpload(list, file, opts) {
  const bar = h('div', {});
  const status = h('span', { text: '准备上传…' });
  const speed = h('span', { class: 'muted' });
  const cancel = h('button', { type: 'button', class: 'danger', text: '取消' });
  const after = h('div', {});
  const card = h('div', { class: 'card upload', 'data-file': file.name },
    h('div', { class: 'row' }, h('b', { text: file.name }), h('span', { class: 'muted', text: bytes(file.size) }), cancel),
    h('div', { class: 'bar big' }, bar), h('div', { class: 'row' }, status, speed), after);
  list.prepend(card);
  if (!window.tus || !tus.isSupported) { status.textContent = '此浏览器不支持断点续传上传，请换用新版浏览器。'; return; }
  const metadata = { filename: file.name, filetype: file.type || 'application/octet-stream' };
  if (opts.title) metadata.title = opts.title;
  if (opts.production) metadata.production = opts.production;
  let last = { t: performance.now(), n: 0 };
  let rate = 0;
  const upload = new tus.Upload(file, {
    endpoint: '/api/v1/uploads',
    metadata,
    chunkSize: 16 * 1024 * 1024,
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
    removeFingerprintOnSuccess: true,
    onProgress(sent, total) {
      const now = performance.now();
      if (now - last.t > 800) {
        const r = ((sent - last.n) * 1000) / (now - last.t);
        rate = rate ? rate * 0.6 + r * 0.4 : r;
        last = { t: now, n: sent };
        const left = rate > 0 ? (total - sent) / rate : 0;
        speed.textContent = `${bytes(rate)}/秒` + (left ? `，还需约 ${clock(left)}` : '');
      }
      const pct = total ? (100 * sent) / total : 0;
      bar.style.width = `${pct.toFixed(1)}%`;
      status.textContent = `已上传 ${bytes(sent)} / ${bytes(total)}（${pct.toFixed(1)}%）`;
    },
    onShouldRetry(err, attempt) {
      const code = err.originalResponse ? err.originalResponse.getStatus() : 0;
      status.textContent = `网络中断，正在第 ${attempt + 1} 次重试续传…`;
      return code === 0 || code === 409 || code === 423 || code >= 500;
    },
    onError(err) {
      const res = err.originalResponse;
      let why = '';
      try { why = res && JSON.parse(res.getBody()).message; } catch (e) { why = ''; }
      const code = res ? res.getStatus() : 0;
      status.textContent = code === 413 ? `文件太大，被服务器拒绝：${why || ''}` : `上传失败：${why || err.message}`;
      status.className = 'error';
      cancel.textContent = '移除';
    },
    onSuccess() {
      bar.style.width = '100%';
      status.textContent = '上传完成，服务器正在检查和编目…';
      speed.textContent = '';
      cancel.hidden = true;
      setTimeout(opts.done, 500); // after tus has forgotten the finished upload
      follow(upload.url, after, status, bar);
    },
  });
  cancel.addEventListener('click', () => {
    if (cancel.textContent === '取消') upload.abort(true).catch(() => {});
    card.remove();
  });
  upload.findPreviousUploads().then((previous) => {
    if (previous.length) {
      upload.resumeFromPreviousUpload(previous[0]);
      status.textContent = '找到未完成的上传，从断点继续…';
    }
    upload.start();
  });
}

const WORDS = { receiving: '接收中', probing: '检查文件', catalogued: '已编目', queued: '排队准备', preparing: '准备中', ready: '可以播放', failed: '失败', rejected: '已拒收', expired: '已过期', terminated: '已取消' };

/** Follows an upload until its film is ready or refused. */
async function follow(url, box, status, bar) {
  const path = new URL(url, location.href).pathname;
  for (let i = 0; i < 900; i += 1) {
    let s;
    try { s = await api('GET', path); } catch (e) { status.textContent = `无法查询进度：${e.message}`; return; }
    const film = s.film_state || s.state;
    status.textContent = `状态：${WORDS[s.state] || s.state}` + (s.film_state ? ` · 影片：${WORDS[s.film_state] || s.film_state}` : '');
    if (s.reason && (film === 'rejected' || film === 'failed' || s.state === 'rejected' || s.state === 'failed')) {
      status.className = 'error';
      bar.classList.add('refused');
      status.textContent = `服务器拒收了这个文件：${s.reason}`;
      return;
    }
    if (s.film_id) {
      fill(box, h('p', {}, stateLabel(s.film_state || 'queued'), ' ',
        h('a', { href: `#/catalog/${s.film_id}`, class: 'edit-film', text: '填写这部影片的片名、主题、备课和提示 →' })));
      if (s.film_state === 'ready') { status.textContent = '影片已准备好，可以在电视上播放。'; status.className = 'ok-text'; return; }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
