// The server's JSON API and the plays reporter (start, heartbeats, end; failures retried in
// the background, never in the way of playback).
(function () {
  'use strict';

  // An error carrying the HTTP status, the server's `error` code and its sentence.
  function ApiError(status, code, message, retryAfter) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.retryAfter = retryAfter;
  }
  ApiError.prototype = Object.create(Error.prototype);

  // Sends a request; resolves to the parsed JSON (or null), rejects with an ApiError
  // (status 0: no answer at all).
  function call(method, path, body) {
    var opts = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (res) {
      var retry = parseInt(res.headers.get('Retry-After') || '', 10);
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) return data;
        throw new ApiError(res.status, data && data.error, (data && data.message) || res.statusText,
          isNaN(retry) ? null : retry);
      });
    }, function (e) {
      throw new ApiError(0, 'network', String(e && e.message || e), null);
    });
  }

  function delay(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // Tries `fn` up to `times` times, waiting longer after each failure.
  async function retrying(fn, times) {
    var last;
    for (var i = 0; i < times; i++) {
      try { return await fn(); } catch (e) {
        last = e;
        // A refusal (4xx) will not change by asking again.
        if (e.status >= 400 && e.status < 500) throw e;
        await delay(1000 * (i + 1));
      }
    }
    throw last;
  }

  var HEARTBEAT_MS = 15000;

  // Reports one showing to the plays API. `position()` gives the player's position.
  function Reporter(filmId, startAt, position) {
    this.filmId = filmId;
    this.position = position;
    this.playId = null;
    this.ended = false;
    this.failures = 0;
    var self = this;
    this.started = this.start(startAt);
    this.timer = setInterval(function () { self.beat(); }, HEARTBEAT_MS);
  }

  Reporter.prototype.start = function (startAt) {
    var self = this;
    this.starting = call('POST', '/api/v1/plays', { film_id: this.filmId, position_s: startAt })
      .then(function (r) { self.playId = r.play_id; return r.play_id; }, function (e) {
        self.failures++;
        self.starting = null;
        throw e;
      });
    this.starting.catch(function () {});
    return this.starting;
  };

  // A heartbeat; a failed one (or a start that has not got through yet) is tried again
  // on the next beat.
  Reporter.prototype.beat = function () {
    if (this.ended) return;
    var self = this;
    if (!this.playId) {
      if (!this.starting) this.start(Math.max(0, this.position()));
      return;
    }
    call('POST', '/api/v1/plays/' + this.playId + '/heartbeat', { position_s: Math.max(0, this.position()) })
      .catch(function () { self.failures++; });
  };

  // Ends the showing; resolves to the play id (null when it was never recorded).
  Reporter.prototype.end = function () {
    if (this.endPromise) return this.endPromise;
    this.ended = true;
    clearInterval(this.timer);
    var self = this;
    var pos = Math.max(0, this.position());
    this.endPromise = (async function () {
      var id = self.playId;
      if (!id) {
        try { id = await retrying(function () { return self.starting || self.start(pos); }, 3); } catch (e) { return null; }
      }
      try {
        await retrying(function () {
          return call('POST', '/api/v1/plays/' + id + '/end', { position_s: pos });
        }, 4);
      } catch (e) {
        // The server closes an unreported play by itself after its idle time.
      }
      return id;
    })();
    return this.endPromise;
  };

  TV.api = {
    call: call,
    get: function (path) { return call('GET', path); },
    post: function (path, body) { return call('POST', path, body || {}); },
    retrying: retrying,
    delay: delay,
    Reporter: Reporter,
    ApiError: ApiError
  };
})();
