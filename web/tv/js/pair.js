// First start: the 6-digit pairing code (on-screen digits or the remote's number keys);
// and the friendly error screen with a way back.
(() => {
  'use strict';
  const ui = TV.ui;

  TV.screens = TV.screens || {};

  TV.screens.pair = {
    render(params, entry) {
      let code = '';
      const boxes = ui.el('div.code');
      const note = ui.el('div.note', TV.t('pair_hint'));
      let busy = false;
      function draw() {
        while (boxes.firstChild) boxes.removeChild(boxes.firstChild);
        for (let i = 0; i < 6; i++) {
          const b = ui.el('div.digit-box', code.charAt(i) || '');
          if (i === code.length) b.classList.add('next');
          boxes.appendChild(b);
        }
      }
      let said = 0;
      function say(text, bad) {
        note.textContent = text;
        note.className = bad ? 'note bad' : 'note';
        note.setAttribute('data-said', String(++said));
      }
      function type(d) {
        if (busy) return;
        if (code.length < 6) code += d;
        draw();
        if (code.length === 6) say(TV.t('pair_intro'), false);
      }
      function erase() { code = code.slice(0, -1); draw(); }
      async function submit() {
        if (busy) return;
        if (code.length !== 6) { say(TV.t('pair_need_six'), true); return; }
        busy = true;
        say(TV.t('pair_working'), false);
        try {
          await TV.api.post('/api/v1/devices/pair', { code });
          const me = await TV.api.get('/api/v1/device');
          TV.app.paired(me.station, me.members);
          TV.app.home();
        } catch (e) {
          busy = false;
          code = '';
          draw();
          if (e.status === 429) {
            const min = Math.max(1, Math.ceil((e.retryAfter || 60) / 60));
            say(TV.t('pair_throttled', { min }), true);
          } else if (e.status === 422 || e.status === 404 || e.status === 400) {
            say(TV.t('pair_wrong'), true);
          } else if (e.status === 0) {
            say(TV.t('error_network'), true);
          } else {
            say(TV.t('error_generic', { detail: e.message }), true);
          }
        }
      }
      entry.type = type;
      const pad = ui.el('div.keypad');
      const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'del', '0', 'ok'];
      for (let r = 0; r < 4; r++) {
        const row = ui.el('div.keypad-row');
        for (let c = 0; c < 3; c++) {
          const k = keys[r * 3 + c];
          let node;
          if (k === 'del') node = ui.focusable('div.key.wide', TV.t('pair_delete'), erase, 'pad-del');
          else if (k === 'ok') node = ui.focusable('div.key.wide.primary', TV.t('pair_submit'), submit, 'pad-ok');
          else node = ui.focusable('div.key', k, () => type(k), `pad-${k}`);
          if (k === '1') node.setAttribute('data-default', '');
          row.appendChild(node);
        }
        pad.appendChild(row);
      }
      draw();
      const left = ui.el('div.pair-left', [ui.el('h1', TV.t('pair_title')), ui.el('p.lead', TV.t('pair_intro')), boxes, note]);
      return ui.screen('pair', TV.t('app_name'), ui.el('div.pair-body', [left, pad]));
    },
    onKey(key, current, entry) {
      if (key.name === 'digit') { entry.type(key.value); return true; }
      return false;
    }
  };

  TV.screens.error = {
    render(params) {
      const actions = [];
      if (params.retry) actions.push(ui.button(TV.t('retry'), params.retry, 'err-retry'));
      actions.push(ui.button(TV.t('go_back'), () => TV.app.back(), 'err-back'));
      if (TV.app.station()) actions.push(ui.button(TV.t('go_home'), () => TV.app.home(), 'err-home'));
      return ui.screen('error', TV.t('error_title'), ui.message(params.title || TV.t('error_title'), params.text || '', actions));
    }
  };

  // The screen for a failed request: the server's sentence, or the network's.
  TV.fail = (e, retry) => {
    const text = e && e.status === 0 ? TV.t('error_network') : TV.t('error_generic', { detail: (e && e.message) || String(e) });
    TV.app.go('error', { text, retry });
  };
})();
