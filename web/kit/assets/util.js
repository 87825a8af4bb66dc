// Small helpers of the field kit's page: elements (text only through textContent), times,
// warnings, and whether this browser keeps what the page stores.
(function () {
  'use strict';
  var Kit = window.KitPage = window.KitPage || {};

  // el('button.film', ['text or', childNode]) → element; never parses HTML.
  Kit.el = function (spec, children) {
    var parts = spec.split('.');
    var node = document.createElement(parts[0]);
    if (parts.length > 1) node.className = parts.slice(1).join(' ');
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  };

  Kit.$ = function (id) { return document.getElementById(id); };

  // RFC 3339 UTC to the second, by this laptop's clock.
  Kit.now = function () { return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'); };

  // 2026-07-03 14:05, local time of the laptop.
  Kit.local = function (stamp) {
    var d = new Date(stamp);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
  };

  Kit.clock = function (seconds) {
    var s = Math.max(0, Math.floor(seconds));
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return Math.floor(s / 3600) + ':' + two(Math.floor(s / 60) % 60) + ':' + two(s % 60);
  };

  // A red line at the top (kind 'note': a blue one).
  Kit.warn = function (text, kind) {
    var p = Kit.el('p', text);
    if (kind) p.className = kind;
    Kit.$('warnings').appendChild(p);
    return p;
  };

  // Whether localStorage takes and gives back a value (it does not in some private modes,
  // or when the browser is set to keep no site data).
  Kit.storageWorks = function () {
    try {
      var key = 'dianjiao-kit:probe';
      window.localStorage.setItem(key, '1');
      var ok = window.localStorage.getItem(key) === '1';
      window.localStorage.removeItem(key);
      return ok;
    } catch (e) {
      return false;
    }
  };

  Kit.hex = function (buffer) {
    var bytes = new Uint8Array(buffer);
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  };

  Kit.unhex = function (text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  };

  Kit.hasCrypto = function () {
    return !!(window.crypto && window.crypto.subtle && window.TextEncoder);
  };

  // Checks the server's signature over the manifest (Ed25519, where the browser has it):
  // 'ok', 'bad' or 'unsupported'.
  Kit.checkSignature = async function (manifestText, publicKey, signature) {
    if (!Kit.hasCrypto()) return 'unsupported';
    var key;
    try {
      key = await crypto.subtle.importKey('raw', Kit.unhex(publicKey), { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      return 'unsupported';
    }
    try {
      var ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, Kit.unhex(signature), new TextEncoder().encode(manifestText));
      return ok ? 'ok' : 'bad';
    } catch (e) {
      return 'bad';
    }
  };
})();
