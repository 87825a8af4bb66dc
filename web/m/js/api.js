// The server's JSON API: one request function; errors carry the server's sentence.
(function () {
  'use strict';

  // An error carrying the HTTP status, the server's `error` code and its sentence.
  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }
  ApiError.prototype = Object.create(Error.prototype);

  // Sends a request; resolves to the parsed JSON (or null), rejects with an ApiError
  // (status 0: no answer at all). A Blob body goes as it is, with its own type.
  function call(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (typeof Blob !== 'undefined' && body instanceof Blob) {
      opts.headers['Content-Type'] = body.type || 'image/jpeg';
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) return data;
        throw new ApiError(res.status, data && data.error, (data && data.message) || (res.status + ' ' + res.statusText));
      });
    }, function (e) {
      throw new ApiError(0, 'network', String(e && e.message || e));
    });
  }

  function delay(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // Tries `fn` up to `times` times while the network fails; a refusal is final.
  async function retrying(fn, times) {
    var last;
    for (var i = 0; i < times; i++) {
      try { return await fn(); } catch (e) {
        last = e;
        if (e.status !== 0 && e.status < 500) throw e;
        await delay(1000 * (i + 1));
      }
    }
    throw last;
  }

  M.api = {
    call: call,
    get: function (path) { return call('GET', path); },
    post: function (path, body) { return call('POST', path, body === undefined ? {} : body); },
    retrying: retrying,
    delay: delay,
    ApiError: ApiError
  };
})();
