// Building the page: every piece of data goes in as text (textContent, attribute values),
// never as markup — a station or film named like markup shows as the characters it is.

/** Makes an element. `attrs`: class, text, on:{event: fn}, data-*, value, checked, … */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table from column heads and rows of cells (cells: text, nodes or {text, class}). */
export function table(heads, rows, opts = {}) {
  const thead = h('thead', {}, h('tr', {}, heads.map((x) => h('th', typeof x === 'string' ? { text: x } : x))));
  const body = h('tbody', {});
  for (const r of rows) {
    const cells = r.cells || r;
    const tr = h('tr', { class: r.class || (r.onclick ? 'click' : undefined), on: r.onclick ? { click: r.onclick } : undefined });
    for (const c of cells) {
      if (c && typeof c === 'object' && !(c instanceof Node) && !Array.isArray(c)) {
        const attrs = Object.assign({}, c);
        delete attrs.children;
        tr.appendChild(h('td', attrs, c.children));
      } else tr.appendChild(h('td', {}, c));
    }
    body.appendChild(tr);
  }
  if (!rows.length && opts.empty) {
    body.appendChild(h('tr', {}, h('td', { colspan: heads.length, class: 'muted', text: opts.empty })));
  }
  return h('table', { class: opts.class }, opts.noHead ? null : thead, body);
}

/** A short message in the corner. */
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

/** A film state as a coloured label. */
export function stateLabel(state) {
  const names = { queued: '排队准备', preparing: '准备中', ready: '可播放', failed: '准备失败', rejected: '已拒收' };
  return h('span', { class: `state ${state}`, text: names[state] || state });
}

/** Seconds as m:ss or h:mm:ss. */
export function clock(s) {
  s = Math.max(0, Math.round(Number(s) || 0));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

/** Parses m:ss, h:mm:ss or plain seconds; NaN when it is none of those. */
export function parseClock(text) {
  const parts = String(text).trim().split(':');
  if (!parts.length || parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return NaN;
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

/** Bytes in words. */
export function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  n = Number(n) || 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
