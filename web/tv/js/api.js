// The server's JSON API and the plays reporter (start, heartbeats, end; failures retried in
// the background, never in the way of playback).
(() => {
  'use strict';

  // An error carrying the HTTP status, the server's `error` code and its sentence.
  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message);
      this.status = status;
      this.code = code;
      this.message = message;
      this.retryAfter = retryAfter;
    }
  }

  // Sends a request; resolves to the parsed JSON (or null), rejects with an ApiError
  // (status 0: no answer at all).
  async function call(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      throw new ApiError(0, 'network', String((e && e.message) || e), null);
    }
    const retry = parseInt(res.headers.get('Retry-After') || '', 10);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (res.ok) return data;
    throw new ApiError(res.status, data && data.error, (data && data.message) || res.statusText,
      isNaN(retry) ? null : retry);
  }

  const delay = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

  // Tries `fn` up to `times` times, waiting longer after each failure.
  async function retrying(fn, times) {
    let last;
    for (let i = 0; i < times; i++) {
      try { return await fn(); } catch (e) {
        last = e;
        // A refusal (4xx) will not change by asking again.
        if (e.status >= 400 && e.status < 500) throw e;
        await delay(1000 * (i + 1));
      }
    }
    throw last;
  }

  const HEARTBEAT_MS = 15000;

  // Reports one showing to the plays API. `position()` gives the player's position.
  class Reporter {
    constructor(filmId, startAt, position) {
      this.filmId = filmId;
      this.position = position;
      this.playId = null;
      this.ended = false;
      this.failures = 0;
      this.started = this.start(startAt);
      this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    }

    start(startAt) {
      this.starting = call('POST', '/api/v1/plays', { film_id: this.filmId, position_s: startAt })
        .then((r) => { this.playId = r.play_id; return r.play_id; }, (e) => {
          this.failures++;
          this.starting = null;
          throw e;
        });
      this.starting.catch(() => {});
      return this.starting;
    }

    // A heartbeat; a failed one (or a start that has not got through yet) is tried again
    // on the next beat.
    beat() {
      if (this.ended) return;
      if (!this.playId) {
        if (!this.starting) this.start(Math.max(0, this.position()));
        return;
      }
      call('POST', `/api/v1/plays/${this.playId}/heartbeat`, { position_s: Math.max(0, this.position()) })
        .catch(() => { this.failures++; });
    }

    // Ends the showing; resolves to the play id (null when it was never recorded).
    end() {
      if (this.endPromise) return this.endPromise;
      this.ended = true;
      clearInterval(this.timer);
      const pos = Math.max(0, this.position());
      this.endPromise = (async () => {
        let id = this.playId;
        if (!id) {
          try { id = await retrying(() => this.starting || this.start(pos), 3); } catch (e) { return null; }
        }
        try {
          await retrying(() => call('POST', `/api/v1/plays/${id}/end`, { position_s: pos }), 4);
        } catch (e) {
          // The server closes an unreported play by itself after its idle time.
        }
        return id;
      })();
      return this.endPromise;
    }
  }

  TV.api = {
    call,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body || {}),
    retrying,
    delay,
    Reporter,
    ApiError
  };
})();
