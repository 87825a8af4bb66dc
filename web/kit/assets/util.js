// Small helpers of the field kit's page: elements (text only through textContent), times,
// warnings, and whether this browser keeps what the page stores.
(() => {
  'use strict';
  const Kit = window.KitPage = window.KitPage || {};

  const two = (n) => (n < 10 ? '0' : '') + n;

  // el('button.film', ['text or', childNode]) → element; never parses HTML.
  Kit.el = (spec, children) => {
    const parts = spec.split('.');
    const node = document.createElement(parts[0]);
    if (parts.length > 1) node.className = parts.slice(1).join(' ');
    [].concat(children === undefined ? [] : children).forEach((c) => {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  };

  Kit.$ = (id) => document.getElementById(id);

  // RFC 3339 UTC to the second, by this laptop's clock.
  Kit.now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  // 2026-07-03 14:05, local time of the laptop.
  Kit.local = (stamp) => {
    const d = new Date(stamp);
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
  };

  Kit.clock = (seconds) => {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  };

  // A red line at the top (kind 'note': a blue one).
  Kit.warn = (text, kind) => {
    const p = Kit.el('p', text);
    if (kind) p.className = kind;
    Kit.$('warnings').appendChild(p);
    return p;
  };

  // Whether localStorage takes and gives back a value (it does not in some private modes,
  // or when the browser is set to keep no site data).
  Kit.storageWorks = () => {
    try {
      const key = 'dianjiao-kit:probe';
      window.localStorage.setItem(key, '1');
      const ok = window.localStorage.getItem(key) === '1';
      window.localStorage.removeItem(key);
      return ok;
    } catch (e) {
      return false;
    }
  };

  Kit.hex = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  };

  Kit.unhex = (text) => {
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  };

  Kit.hasCrypto = () => {
    return !!(window.crypto && window.crypto.subtle && window.TextEncoder);
  };

  // Checks the server's signature over the manifest (Ed25519, where the browser has it):
  // 'ok', 'bad' or 'unsupported'.
  Kit.checkSignature = async (manifestText, publicKey, signature) => {
    if (!Kit.hasCrypto()) return 'unsupported';
    let key;
    try {
      key = await crypto.subtle.importKey('raw', Kit.unhex(publicKey), { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      return 'unsupported';
    }
    try {
      const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, Kit.unhex(signature), new TextEncoder().encode(manifestText));
      return ok ? 'ok' : 'bad';
    } catch (e) {
      return 'bad';
    }
  };
})();
