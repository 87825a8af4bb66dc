// After the film: the roster's sign-in (OK toggles each member; a count), an optional
// discussion note (preset topics or the letter grid), and "done", which records them.
(function () {
  'use strict';
  var ui = TV.ui;
  var el = ui.el;

  TV.screens = TV.screens || {};

  function discussionText(d) {
    var parts = d.topics.slice();
    if (d.typed.trim()) parts.push(d.typed.trim());
    return parts.join('；');
  }

  function memberCard(m, state, redraw) {
    var mark = el('div.check', '');
    var card = ui.focusable('div.member', [mark, el('div.member-name', m.name), el('div.member-no', m.member_no || '')], function () {
      if (state.saved) return;
      state.signed[m.id] = !state.signed[m.id];
      redraw();
    }, 'm-' + m.id);
    card.setAttribute('data-member', m.id);
    card._mark = mark;
    return card;
  }

  // Records the sign-ins and the discussion; resolves to the number signed in.
  async function record(play, state) {
    var ids = Object.keys(state.signed).filter(function (id) { return state.signed[id]; });
    for (var i = 0; i < ids.length; i++) {
      var id = ids[i];
      await TV.api.retrying(function () { return TV.api.post('/api/v1/plays/' + play + '/signins', { member_id: id }); }, 3);
    }
    var text = discussionText(state.discussion);
    if (text && !state.discussionSaved) {
      await TV.api.retrying(function () { return TV.api.post('/api/v1/plays/' + play + '/discussion', { text: text }); }, 3);
      state.discussionSaved = true;
    }
    return ids.length;
  }

  TV.screens.after = {
    render: function (params, entry) {
      var members = TV.app.members();
      var state = { signed: {}, discussion: { topics: [], typed: '' }, saved: false };
      entry.state = state;
      var count = el('div.count');
      var list = el('div.members.sy');
      var status = el('div.after-status');
      var cards = [];
      function redraw() {
        var n = 0;
        for (var i = 0; i < cards.length; i++) {
          var on = !!state.signed[cards[i].getAttribute('data-member')];
          if (on) n++;
          if (on) cards[i].classList.add('on'); else cards[i].classList.remove('on');
          cards[i]._mark.textContent = on ? '✓' : '';
        }
        count.textContent = TV.t('after_count', { n: n, total: members.length });
      }
      for (var i = 0; i < members.length; i++) {
        var card = memberCard(members[i], state, redraw);
        cards.push(card);
        list.appendChild(card);
      }
      if (!members.length) list.appendChild(el('div.row-empty', TV.t('after_no_roster')));
      var discuss = ui.button(TV.t('after_discuss'), function () {
        if (!state.saved) TV.app.go('discuss', { state: state });
      }, 'after-discuss');
      var done = ui.button(TV.t('after_done'), function () { TV.screens.after.done(entry, params, status); }, 'after-done');
      done.classList.add('primary');
      if (!members.length) done.setAttribute('data-default', '');
      entry.discussBtn = discuss;
      redraw();
      var head = el('div.after-head', [el('div.after-film', [TV.t('after_film', { title: params.film.title }), el('div.note', TV.t('after_hint'))]), count]);
      var actions = el('div.btn-row.after-actions', [discuss, done]);
      return ui.screen('after', TV.t('after_title'), el('div.after-body', [head, list, actions, status]));
    },
    onShow: function (entry) {
      var d = entry.state.discussion;
      entry.discussBtn.firstChild.textContent = discussionText(d) ? TV.t('after_discussed') : TV.t('after_discuss');
    },
    done: async function (entry, params, status) {
      var state = entry.state;
      if (state.saving) return;
      if (state.saved) { TV.app.home(); return; }
      state.saving = true;
      status.className = 'after-status';
      status.textContent = TV.t('after_saving');
      var play = await params.ending;
      if (!play) {
        state.saving = false;
        status.className = 'after-status bad';
        status.textContent = TV.t('after_no_play');
        return;
      }
      try {
        var n = await record(play, state);
        state.saved = true;
        status.className = 'after-status good';
        status.textContent = TV.t('after_saved', { n: n, discussion: state.discussionSaved ? TV.t('after_saved_discussion') : '' });
        var done = entry.el.querySelector('[data-fid="after-done"]');
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
    render: function (params, entry) {
      var d = params.state.discussion;
      var topics = el('div.topics.sy');
      var list = TV.STR.discuss_topic_list;
      for (var i = 0; i < list.length; i++) {
        (function (text, idx) {
          var item = ui.focusable('div.topic', [el('div.check', d.topics.indexOf(text) >= 0 ? '✓' : ''), el('div.topic-text', text)], function (node) {
            var at = d.topics.indexOf(text);
            if (at >= 0) d.topics.splice(at, 1); else d.topics.push(text);
            var on = d.topics.indexOf(text) >= 0;
            node.firstChild.textContent = on ? '✓' : '';
            if (on) node.classList.add('on'); else node.classList.remove('on');
          }, 'topic-' + idx);
          if (d.topics.indexOf(text) >= 0) item.classList.add('on');
          if (idx === 0) item.setAttribute('data-default', '');
          topics.appendChild(item);
        })(list[i], i);
      }
      var field = el('div.query');
      function draw() { field.textContent = d.typed || ' '; }
      entry.type = function (c) { d.typed = (d.typed + c).slice(0, 200); draw(); };
      var grid = ui.letterGrid('d', entry.type, function () { d.typed = d.typed.slice(0, -1); draw(); }, function () { d.typed = ''; draw(); }, true);
      draw();
      var save = ui.button(TV.t('discuss_save'), function () { TV.app.back(); }, 'discuss-save');
      save.classList.add('primary');
      var left = el('div.discuss-left', [el('div.section-title', TV.t('discuss_topics')), topics, el('div.note', TV.t('discuss_hint'))]);
      var right = el('div.discuss-right', [el('div.section-title', TV.t('discuss_typed')), field, grid, el('div.btn-row', save)]);
      return ui.screen('discuss', TV.t('discuss_title'), el('div.discuss-body', [left, right]));
    },
    onKey: function (key, current, entry) {
      if (key.name === 'digit' || key.name === 'letter') { entry.type(key.value); return true; }
      return false;
    }
  };
})();
