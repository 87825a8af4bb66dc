// After the film: the roster to tap for sign-in, a discussion note (common topics or typed
// with the phone's own keyboard), an optional photo of the room (uploaded as soon as it is
// taken), and "done", which records the sign-ins and the discussion with the play.
(() => {
  'use strict';
  const ui = M.ui;
  const el = ui.el;

  M.screens = M.screens || {};

  // A showing still waiting for its sign-in, kept on the phone (it may sleep or reload) for
  // a few hours: the server takes a showing's sign-ins for two hours after its end.
  const PENDING = 'dj_m_after';
  const PENDING_MS = 3 * 3600 * 1000;
  M.pending = {
    get() {
      let p = null;
      try { p = JSON.parse(localStorage.getItem(PENDING) || 'null'); } catch (e) { return null; }
      return p && Date.now() - (p.at || 0) < PENDING_MS ? p : null;
    },
    set(v) {
      if (!v.at) v.at = Date.now();
      try { localStorage.setItem(PENDING, JSON.stringify(v)); } catch (e) { /* private mode */ }
    },
    clear() { try { localStorage.removeItem(PENDING); } catch (e) { /* private mode */ } }
  };

  function roster(state) {
    const members = M.app.members();
    const count = el('p.count');
    const list = el('div.members');
    function redraw() {
      let n = 0;
      for (let i = 0; i < list.childNodes.length; i++) {
        const b = list.childNodes[i];
        const on = !!state.signed[b.getAttribute('data-member')];
        b.classList.toggle('on', on);
        b.firstChild.textContent = on ? '✓' : '';
        if (on) n++;
      }
      count.textContent = M.t('after_count', { n, total: members.length });
    }
    members.forEach((m) => {
      const b = ui.button([el('span.check', ''), el('span.member-name', m.name)], () => {
        if (state.saved) return;
        state.signed[m.id] = !state.signed[m.id];
        redraw();
      }, 'member');
      b.setAttribute('data-member', m.id);
      list.appendChild(b);
    });
    redraw();
    if (!members.length) return el('p.empty', M.t('after_no_roster'));
    return [el('p.hint', M.t('after_roster_hint')), count, list];
  }

  function discussion(state) {
    const text = el('textarea.discuss');
    text.id = 'discussion';
    text.rows = 4;
    text.setAttribute('maxlength', '2000');
    text.placeholder = M.t('after_discuss_placeholder');
    state.text = text;
    const chips = el('div.chips');
    M.STR.discuss_topic_list.forEach((topic, i) => {
      chips.appendChild(ui.button(topic, () => {
        text.value = text.value ? `${text.value.replace(/[；;\s]*$/, '')}；${topic}` : topic;
      }, 'chip', `topic-${i}`));
    });
    return [chips, text];
  }

  // A camera photo is often larger than slow village Wi-Fi carries in the server's time
  // limit (and than `photo_max_bytes`): one over this size, or of a type the server does not
  // take (HEIC, WebP), is redrawn as a JPEG at most PHOTO_SIDE pixels on its long side.
  const PHOTO_KEEP_BYTES = 1536 * 1024;
  const PHOTO_SIDE = 1920;

  // Resolves to the Blob to upload: the file itself when it is small JPEG/PNG or cannot be
  // redrawn here (no canvas, undecodable), else the smaller JPEG.
  function shrink(file) {
    return new Promise((resolve) => {
      const taken = /^image\/(jpeg|png)$/.test(file.type || '');
      const canvasOk = window.URL && typeof HTMLCanvasElement !== 'undefined' && HTMLCanvasElement.prototype.toBlob;
      if ((taken && file.size <= PHOTO_KEEP_BYTES) || !canvasOk) { resolve(file); return; }
      const img = new Image();
      const url = URL.createObjectURL(file);
      img.onload = () => {
        URL.revokeObjectURL(url);
        const w = img.naturalWidth;
        const h = img.naturalHeight;
        const scale = Math.min(1, PHOTO_SIDE / Math.max(w, h, 1));
        const canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.round(w * scale));
        canvas.height = Math.max(1, Math.round(h * scale));
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob((blob) => {
          resolve(blob && (!taken || blob.size < file.size) ? blob : file);
        }, 'image/jpeg', 0.85);
      };
      img.onerror = () => { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  // The photo: taken (or picked), shown, made small enough (see `shrink`) and uploaded
  // straight away with its own type.
  function photo(playId, state) {
    const input = el('input.photo-input');
    input.type = 'file';
    input.id = 'photo';
    input.setAttribute('accept', 'image/*');
    input.setAttribute('capture', '');
    const label = el('label.btn.wide.photo-btn', M.t('after_photo_take'));
    label.setAttribute('for', 'photo');
    const preview = el('img.photo-preview');
    preview.alt = '';
    preview.style.display = 'none';
    const status = ui.status('photo');
    // Made small enough, then uploaded; says how it went (`done` waits for it).
    async function upload(file) {
      try {
        const blob = await shrink(file);
        await M.api.post(`/api/v1/plays/${encodeURIComponent(playId)}/photo`, blob);
      } catch (e) {
        status.say(M.say(e), 'bad');
        return;
      }
      state.photos = (state.photos || 0) + 1;
      status.say(M.t('after_photo_saved', { n: state.photos }), 'good');
    }
    input.addEventListener('change', () => {
      const file = input.files && input.files[0];
      if (!file) return;
      if (preview.src && window.URL) URL.revokeObjectURL(preview.src);
      if (window.URL) { preview.src = URL.createObjectURL(file); preview.style.display = ''; }
      label.textContent = M.t('after_photo_again');
      status.say(M.t('after_photo_uploading'));
      state.photo = upload(file);
    });
    return [label, input, preview, status];
  }

  // Records the sign-ins and the discussion; resolves to the number signed in.
  async function record(playId, state) {
    const ids = Object.keys(state.signed).filter((id) => state.signed[id]);
    const path = `/api/v1/plays/${encodeURIComponent(playId)}`;
    for (const id of ids) {
      await M.api.retrying(() => M.api.post(`${path}/signins`, { member_id: id }), 3);
    }
    const text = state.text.value.trim();
    if (text && text !== state.discussed) {
      await M.api.retrying(() => M.api.post(`${path}/discussion`, { text }), 3);
      state.discussed = text;
    }
    return ids.length;
  }

  async function done(entry, status, button) {
    const state = entry.state;
    if (state.saved) { M.app.home(); return; }
    if (state.saving) return;
    state.saving = true;
    button.disabled = true;
    status.say(M.t('after_saving'));
    try {
      if (state.photo) await state.photo;
      const n = await record(entry.params.play_id, state);
      state.saved = true;
      M.pending.clear();
      status.say(M.t('after_saved', {
        n,
        discussion: state.discussed ? M.t('after_saved_discussion') : '',
        photo: state.photos ? M.t('after_saved_photo', { n: state.photos }) : ''
      }), 'good');
      button.textContent = M.t('go_home');
      entry.el.classList.add('saved');
      if (button.scrollIntoView) button.scrollIntoView(false);
    } catch (e) {
      status.say(M.say(e), 'bad');
    }
    state.saving = false;
    button.disabled = false;
  }

  M.screens.after = {
    render(params, entry) {
      const film = params.film || {};
      const state = { signed: {}, saved: false };
      entry.state = state;
      const before = M.pending.get();
      M.pending.set(before && before.play_id === params.play_id ? before : { play_id: params.play_id, film_id: film.id, title: film.title || '' });
      const status = ui.status('after');
      const finish = ui.button(M.t('after_done'), () => { done(entry, status, finish); }, 'primary.wide', 'done');
      const body = [
        ui.section(null, [el('p.lead', M.t('after_film', { title: film.title || '' })), el('p.why', params.why || '')]),
        ui.section(M.t('after_roster'), roster(state), 'roster'),
        ui.section(M.t('after_discuss'), discussion(state), 'discussion'),
        ui.section(M.t('after_photo'), photo(params.play_id, state), 'photo'),
        status,
        finish
      ];
      return ui.screen('after', M.t('after_title'), body);
    },
    // Unsaved sign-ins: the first Back only warns.
    onBack(entry) {
      const state = entry.state;
      const any = Object.keys(state.signed).some((id) => state.signed[id]) || state.text.value.trim();
      if (state.saved || !any || entry.warned) return false;
      entry.warned = true;
      entry.el.querySelector('[data-status="after"]').say(M.t('after_unsaved'), 'bad');
      return true;
    }
  };
})();
