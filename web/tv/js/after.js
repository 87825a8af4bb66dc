// After the film: the roster's sign-in (OK toggles each member; a count), an optional
// discussion note (preset topics or the letter grid), and "done", which records them.
(() => {
  'use strict';
  const ui = TV.ui;
  const el = ui.el;

  TV.screens = TV.screens || {};

  function discussionText(d) {
    const parts = d.topics.slice();
    if (d.typed.trim()) parts.push(d.typed.trim());
    return parts.join('；');
  }

  function memberCard(m, state, redraw) {
    const mark = el('div.check', '');
    const card = ui.focusable('div.member', [mark, el('div.member-name', m.name), el('div.member-no', m.member_no || '')], () => {
      if (state.saved) return;
      state.signed[m.id] = !state.signed[m.id];
      redraw();
    }, `m-${m.id}`);
    card.setAttribute('data-member', m.id);
    card._mark = mark;
    return card;
  }

  // Records the sign-ins and the discussion; resolves to the number signed in.
  async function record(play, state) {
    const ids = Object.keys(state.signed).filter((id) => state.signed[id]);
    for (const id of ids) {
      await TV.api.retrying(() => TV.api.post(`/api/v1/plays/${play}/signins`, { member_id: id }), 3);
    }
    const text = discussionText(state.discussion);
    if (text && !state.discussionSaved) {
      await TV.api.retrying(() => TV.api.post(`/api/v1/plays/${play}/discussion`, { text }), 3);
      state.discussionSaved = true;
    }
    return ids.length;
  }

  TV.screens.after = {
    render(params, entry) {
      const members = TV.app.members();
      const state = { signed: {}, discussion: { topics: [], typed: '' }, saved: false };
      entry.state = state;
      const count = el('div.count');
      const list = el('div.members.sy');
      const status = el('div.after-status');
      const cards = [];
      function redraw() {
        let n = 0;
        for (const card of cards) {
          const on = !!state.signed[card.getAttribute('data-member')];
          if (on) n++;
          if (on) card.classList.add('on'); else card.classList.remove('on');
          card._mark.textContent = on ? '✓' : '';
        }
        count.textContent = TV.t('after_count', { n, total: members.length });
      }
      for (const member of members) {
        const card = memberCard(member, state, redraw);
        cards.push(card);
        list.appendChild(card);
      }
      if (!members.length) list.appendChild(el('div.row-empty', TV.t('after_no_roster')));
      const discuss = ui.button(TV.t('after_discuss'), () => {
        if (!state.saved) TV.app.go('discuss', { state });
      }, 'after-discuss');
      const done = ui.button(TV.t('after_done'), () => { TV.screens.after.done(entry, params, status); }, 'after-done');
      done.classList.add('primary');
      if (!members.length) done.setAttribute('data-default', '');
      entry.discussBtn = discuss;
      redraw();
      const head = el('div.after-head', [el('div.after-film', [TV.t('after_film', { title: params.film.title }), el('div.note', TV.t('after_hint'))]), count]);
      const actions = el('div.btn-row.after-actions', [discuss, done]);
      return ui.screen('after', TV.t('after_title'), el('div.after-body', [head, list, actions, status]));
    },
    onShow(entry) {
      const d = entry.state.discussion;
      entry.discussBtn.firstChild.textContent = discussionText(d) ? TV.t('after_discussed') : TV.t('after_discuss');
    },
    async done(entry, params, status) {
      const state = entry.state;
      if (state.saving) return;
      if (state.saved) { TV.app.home(); return; }
      state.saving = true;
      status.className = 'after-status';
      status.textContent = TV.t('after_saving');
      const play = await params.ending;
      if (!play) {
        state.saving = false;
        status.className = 'after-status bad';
        status.textContent = TV.t('after_no_play');
        return;
      }
      try {
        const n = await record(play, state);
        state.saved = true;
        status.className = 'after-status good';
        status.textContent = TV.t('after_saved', { n, discussion: state.discussionSaved ? TV.t('after_saved_discussion') : '' });
        const done = entry.el.querySelector('[data-fid="after-done"]');
        done.firstChild.textContent = TV.t('go_home');
        entry.el.querySelector('[data-fid="after-discuss"]').classList.add('disabled');
      } catch (e) {
        status.className = 'after-status bad';
        status.textContent = TV.t('after_save_failed', { detail: e.message });
      }
      state.saving = false;
    }
  };

  TV.screens.discuss = {
    render(params, entry) {
      const d = params.state.discussion;
      const topics = el('div.topics.sy');
      const list = TV.STR.discuss_topic_list;
      list.forEach((text, idx) => {
        const item = ui.focusable('div.topic', [el('div.check', d.topics.indexOf(text) >= 0 ? '✓' : ''), el('div.topic-text', text)], (node) => {
          const at = d.topics.indexOf(text);
          if (at >= 0) d.topics.splice(at, 1); else d.topics.push(text);
          const on = d.topics.indexOf(text) >= 0;
          node.firstChild.textContent = on ? '✓' : '';
          if (on) node.classList.add('on'); else node.classList.remove('on');
        }, `topic-${idx}`);
        if (d.topics.indexOf(text) >= 0) item.classList.add('on');
        if (idx === 0) item.setAttribute('data-default', '');
        topics.appendChild(item);
      });
      const field = el('div.query');
      function draw() { field.textContent = d.typed || ' '; }
      entry.type = (c) => { d.typed = (d.typed + c).slice(0, 200); draw(); };
      const grid = ui.letterGrid('d', entry.type, () => { d.typed = d.typed.slice(0, -1); draw(); }, () => { d.typed = ''; draw(); }, true);
      draw();
      const save = ui.button(TV.t('discuss_save'), () => { TV.app.back(); }, 'discuss-save');
      save.classList.add('primary');
      const left = el('div.discuss-left', [el('div.section-title', TV.t('discuss_topics')), topics, el('div.note', TV.t('discuss_hint'))]);
      const right = el('div.discuss-right', [el('div.section-title', TV.t('discuss_typed')), field, grid, el('div.btn-row', save)]);
      return ui.screen('discuss', TV.t('discuss_title'), el('div.discuss-body', [left, right]));
    },
    onKey(key, current, entry) {
      if (key.name === 'digit' || key.name === 'letter') { entry.type(key.value); return true; }
      return false;
    }
  };
})();
