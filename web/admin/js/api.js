// Talking to the server. A 401 from any call (an expired session) keeps the page as it is:
// the forms being edited are saved to sessionStorage, the sign-in box opens over the page,
// and after signing in the call is made again — nothing typed is lost.

import { saveAllDrafts } from './drafts.js';

/** An error answer, with the server's sentence. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let relogin = null;

/** Set by app.js: opens the sign-in box and resolves once signed in again. */
export function onUnauthenticated(fn) { relogin = fn; }

async function send(method, path, body, headers) {
  const init = { method, credentials: 'same-origin', headers: Object.assign({}, headers) };
  if (body instanceof Blob || body instanceof ArrayBuffer) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  return fetch(path, init);
}

/** Calls the API; JSON answer, or text for text answers. Throws ApiError on 4xx/5xx. */
export async function api(method, path, body, headers) {
  let res = await send(method, path, body, headers);
  if (res.status === 401 && path !== '/api/v1/session' && relogin) {
    saveAllDrafts();
    await relogin('登录已过期，请重新登录；正在填写的内容已保留。');
    res = await send(method, path, body, headers);
  }
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const message = (data && data.message) || `服务器返回 ${res.status}`;
    throw new ApiError(res.status, data && data.error, message);
  }
  return data;
}

export const get = (path) => api('GET', path);
