// Uploads one file with tus-js-client (its Node build, from web/node_modules) to the server
// under test, cuts the transfer off part way, and resumes it with a second client that knows
// only the upload's URL — as the admin page does after a network drop or a reload.
//
//   node tests/browser/tus_upload.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"file": path, "cookie": "dj_session=…", "metadata": {…}, "cut_at": 0.5}.
// The first client aborts (the socket is destroyed mid-body) once its progress passes
// cut_at of the file. The script then asks the server (HEAD) how much it kept, and a new
// client resumes from that URL. Prints one JSON line:
// {"ok", "url", "size", "sent_before_cut", "offset_after_cut", "resumed_from", "error"?}.

import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const webPackage = fileURLToPath(new URL('../../web/package.json', import.meta.url));
const require = createRequire(webPackage);
const tus = require('tus-js-client');

const [base, jobText] = process.argv.slice(2);
const job = JSON.parse(jobText);
const size = statSync(job.file).size;
const endpoint = `${base}/api/v1/uploads`;
const headers = { Cookie: job.cookie };
// Retried after a 409 (the cut-off request still syncing, or an offset that moved on).
const retryDelays = [200, 500, 1000, 2000, 4000];

function result(fields) {
  console.log(JSON.stringify({ size, ...fields }));
}

// The first client: aborts once more than cut_at of the file is sent.
function firstPart() {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const upload = new tus.Upload(createReadStream(job.file), {
      endpoint,
      headers,
      metadata: job.metadata,
      retryDelays: null,
      onProgress(bytesSent) {
        if (sent === 0 && bytesSent > size * job.cut_at && upload.url) {
          sent = bytesSent;
          upload.abort(false).then(() => resolve({ url: upload.url, sent }), reject);
        }
      },
      onError: reject,
      onSuccess: () => reject(new Error('the upload finished before it could be cut off')),
    });
    upload.start();
  });
}

// What the server kept: the cut-off request is acknowledged once, when the server has seen
// the connection drop and synced what arrived (which may take a while on a slow disk), so
// HEAD until the offset moves off zero; it stays where it is until the next request.
async function serverOffset(url) {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(url, { method: 'HEAD', headers: { ...headers, 'Tus-Resumable': '1.0.0' } });
    if (res.status !== 200) throw new Error(`HEAD ${url} answered ${res.status}`);
    const offset = Number(res.headers.get('upload-offset'));
    if (offset > 0) return offset;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server kept nothing of the cut-off request within a minute');
}

// A new client that knows only the URL.
function resume(url) {
  return new Promise((resolve, reject) => {
    let first = null;
    const upload = new tus.Upload(createReadStream(job.file), {
      uploadUrl: url,
      headers,
      metadata: job.metadata,
      retryDelays,
      onProgress(bytesSent) {
        if (first === null) first = bytesSent;
      },
      onError: reject,
      onSuccess: () => resolve(first),
    });
    upload.start();
  });
}

try {
  const { url, sent } = await firstPart();
  const absolute = new URL(url, base).href;
  const offsetAfterCut = await serverOffset(absolute);
  const resumedFrom = await resume(absolute);
  result({
    ok: true,
    url: new URL(absolute).pathname,
    sent_before_cut: sent,
    offset_after_cut: offsetAfterCut,
    resumed_from: resumedFrom,
  });
} catch (e) {
  result({ ok: false, error: String(e && e.stack ? e.stack : e) });
  process.exitCode = 1;
}
