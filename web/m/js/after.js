// After the film: the roster to tap for sign-in, a discussion note (common topics or typed
// with the phone's own keyboard), an optional photo of the room (uploaded as soon as it is
// taken), and "done", which records the sign-ins and the discussion with the play.
(function () {
  'use strict';
  var ui = M.ui;
  var el = ui.el;

  M.screens = M.screens || {};

  // A showing still waiting for its sign-in, kept on the phone (it may sleep or reload) for
  // a few hours: the server takes a showing's sign-ins for two hours after its end.
  var PENDING = 'dj_m_after';
  var PENDING_MS = 3 * 3600 * 1000;
  M.pending = {
    get: function () {
      var p = null;
      try { p = JSON.parse(localStorage.getItem(PENDING) || 'null'); } catch (e) { return null; }
      return p && Date.now() - (p.at || 0) < PENDING_MS ? p : null;
    },
    set: function (v) {
      if (!v.at) v.at = Date.now();
      try { localStorage.setItem(PENDING, JSON.stringify(v)); } catch (e) { /* private mode */ }
    },
    clear: function () { try { localStorage.removeItem(PENDING); } catch (e) { /* private mode */ } }
  };

  function roster(state) {
    var members = M.app.members();
    var count = el('p.count');
    var list = el('div.members');
    function redraw() {
      var n = 0;
      for (var i = 0; i < list.childNodes.length; i++) {
        var b = list.childNodes[i];
        var on = !!state.signed[b.getAttribute('data-member')];
        b.classList.toggle('on', on);
        b.firstChild.textContent = on ? '✓' : '';
        if (on) n++;
      }
      count.textContent = M.t('after_count', { n: n, total: members.length });
    }
    members.forEach(function (m) {
      var b = ui.button([el('span.check', ''), el('span.member-name', m.name)], function () {
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
    var text = el('textarea.discuss');
    text.id = 'discussion';
    text.rows = 4;
    text.setAttribute('maxlength', '2000');
    text.placeholder = M.t('after_discuss_placeholder');
    state.text = text;
    var chips = el('div.chips');
    M.STR.discuss_topic_list.forEach(function (topic, i) {
      chips.appendChild(ui.button(topic, function () {
        text.value = text.value ? text.value.replace(/[；;\s]*$/, '') + '；' + topic : topic;
      }, 'chip', 'topic-' + i));
    });
    return [chips, text];
  }

  // A camera photo is often larger than slow village Wi-Fi carries in the server's time
  // limit (and than `photo_max_bytes`): one over this size, or of a type the server does not
  // take (HEIC, WebP), is redrawn as a JPEG at most PHOTO_SIDE pixels on its long side.
  var PHOTO_KEEP_BYTES = 1536 * 1024;
  var PHOTO_SIDE = 1920;

  // Resolves to the Blob to upload: the file itself when it is small JPEG/PNG or cannot be
  // redrawn here (no canvas, undecodable), else the smaller JPEG.
  function shrink(file) {
    return new Promise(function (resolve) {
      var taken = /^image\/(jpeg|png)$/.test(file.type || '');
      var canvasOk = window.URL && typeof HTMLCanvasElement !== 'undefined' && HTMLCanvasElement.prototype.toBlob;
      if ((taken && file.size <= PHOTO_KEEP_BYTES) || !canvasOk) { resolve(file); return; }
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        URL.revokeObjectURL(url);
        var w = img.naturalWidth, h = img.naturalHeight;
        var scale = Math.min(1, PHOTO_SIDE / Math.max(w, h, 1));
        var canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.round(w * scale));
        canvas.height = Math.max(1, Math.round(h * scale));
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          resolve(blob && (!taken || blob.size < file.size) ? blob : file);
        }, 'image/jpeg', 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  // The photo: taken (or picked), shown, made small enough (see `shrink`) and uploaded
  // straight away with its own type.
  function photo(playId, state) {
    var input = el('input.photo-input');
    input.type = 'file';
    input.id = 'photo';
    input.setAttribute('accept', 'image/*');
    input.setAttribute('capture', '');
    var label = el('label.btn.wide.photo-btn', M.t('after_photo_take'));
    label.setAttribute('for', 'photo');
    var preview = el('img.photo-preview');
    preview.alt = '';
    preview.style.display = 'none';
    var status = ui.status('photo');
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file) return;
      if (preview.src && window.URL) URL.revokeObjectURL(preview.src);
      if (window.URL) { preview.src = URL.createObjectURL(file); preview.style.display = ''; }
      label.textContent = M.t('after_photo_again');
      status.say(M.t('after_photo_uploading'));
      state.photo = shrink(file).then(function (blob) {
        return M.api.post('/api/v1/plays/' + encodeURIComponent(playId) + '/photo', blob);
      }).then(function () {
        state.photos = (state.photos || 0) + 1;
        status.say(M.t('after_photo_saved', { n: state.photos }), 'good');
      }, function (e) {
        status.say(M.say(e), 'bad');
      });
    });
    return [label, input, preview, status];
  }

  // Records the sign-ins and the discussion; resolves to the number signed in.
  async function record(playId, state) {
    var ids = Object.keys(state.signed).filter(function (id) { return state.signed[id]; });
    var path = '/api/v1/plays/' + encodeURIComponent(playId);
    for (var i = 0; i < ids.length; i++) {
      var body = { member_id: ids[i] };
      await M.api.retrying(function () { return M.api.post(path + '/signins', body); }, 3);
    }
    var text = state.text.value.trim();
    if (text && text !== state.discussed) {
      await M.api.retrying(function () { return M.api.post(path + '/discussion', { text: text }); }, 3);
      state.discussed = text;
    }
    return ids.length;
  }

  async function done(entry, status, button) {
    var state = entry.state;
    if (state.saved) { M.app.home(); return; }
    if (state.saving) return;
    state.saving = true;
    button.disabled = true;
    status.say(M.t('after_saving'));
    try {
      if (state.photo) await state.photo;
      var n = await record(entry.params.play_id, state);
      state.saved = true;
      M.pending.clear();
      status.say(M.t('after_saved', {
        n: n,
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
    render: function (params, entry) {
      var film = params.film || {};
      var state = { signed: {}, saved: false };
      entry.state = state;
      var before = M.pending.get();
      M.pending.set(before && before.play_id === params.play_id ? before : { play_id: params.play_id, film_id: film.id, title: film.title || '' });
      var status = ui.status('after');
      var finish = ui.button(M.t('after_done'), function () { done(entry, status, finish); }, 'primary.wide', 'done');
      var body = [
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
    onBack: function (entry) {
      var state = entry.state;
      var any = Object.keys(state.signed).some(function (id) { return state.signed[id]; }) || state.text.value.trim();
      if (state.saved || !any || entry.warned) return false;
      entry.warned = true;
      entry.el.querySelector('[data-status="after"]').say(M.t('after_unsaved'), 'bad');
      return true;
    }
  };
})();
