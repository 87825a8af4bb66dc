// The server's JSON API: one request function; errors carry the server's sentence.
(() => {
  'use strict';

  // An error carrying the HTTP status, the server's `error` code and its sentence.
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
      this.message = message;
    }
  }

  // Sends a request; resolves to the parsed JSON (or null), rejects with an ApiError
  // (status 0: no answer at all). A Blob body goes as it is, with its own type.
  async function call(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (typeof Blob !== 'undefined' && body instanceof Blob) {
      opts.headers['Content-Type'] = body.type || 'image/jpeg';
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw new ApiError(0, 'network', String((e && e.message) || e));
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (res.ok) return data;
    throw new ApiError(res.status, data && data.error, (data && data.message) || `${res.status} ${res.statusText}`);
  }

  const delay = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  // Tries `fn` up to `times` times while the network fails; a refusal is final.
  async function retrying(fn, times) {
    let last;
    for (let i = 0; i < times; i++) {
      try { return await fn(); } catch (e) {
        last = e;
        if (e.status !== 0 && e.status < 500) throw e;
        await delay(1000 * (i + 1));
      }
    }
    throw last;
  }

  M.api = {
    call,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body === undefined ? {} : body),
    retrying,
    delay,
    ApiError
  };
})();
