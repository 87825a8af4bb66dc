// Pairing: the 6-digit code from the township office (typed, or carried by its QR code as
// /m/?code=NNNNNN) makes this phone the station's phone.
(() => {
  'use strict';
  const ui = M.ui;
  const el = ui.el;

  M.screens = M.screens || {};

  // Pairs as the station's phone (the office lists it as a phone, not a TV).
  async function pairWith(code) {
    await M.api.post('/api/v1/devices/pair', { code, kind: 'phone' });
    return M.api.get('/api/v1/device');
  }

  M.screens.pair = {
    render(params) {
      const input = el('input.code-input');
      input.type = 'text';
      input.id = 'pair-code';
      input.setAttribute('inputmode', 'numeric');
      input.setAttribute('pattern', '[0-9]*');
      input.setAttribute('autocomplete', 'one-time-code');
      input.setAttribute('maxlength', '6');
      input.placeholder = M.t('pair_placeholder');
      input.value = params.code || '';
      input.addEventListener('input', () => {
        const digits = input.value.replace(/\D/g, '').slice(0, 6);
        if (digits !== input.value) input.value = digits;
      });
      const status = ui.status('pair');
      let busy = false;
      const go = ui.button(M.t('pair_submit'), submit, 'primary.wide', 'pair');
      async function submit() {
        if (busy) return;
        const code = input.value.replace(/\D/g, '');
        if (code.length !== 6) { status.say(M.t('pair_need_six'), 'bad'); return; }
        busy = true;
        go.disabled = true;
        status.say(M.t('pair_working'));
        try {
          M.app.paired(await pairWith(code));
          if (history.replaceState) history.replaceState(null, '', location.pathname);
          M.app.home();
        } catch (e) {
          busy = false;
          go.disabled = false;
          input.value = '';
          status.say(M.say(e), 'bad');
        }
      }
      const form = el('form.pair-form', [input, go]);
      form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
      const body = [el('p.lead', M.t('pair_intro')), form, status];
      return ui.screen('pair', M.t('pair_title'), ui.section(null, body), true);
    }
  };
})();
