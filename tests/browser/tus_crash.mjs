// Uploads one file with tus-js-client (its Node build, from web/node_modules) in small
// chunks, riding out a server that is killed and restarted on the same address meanwhile:
// the client retries as the admin page's does, asks the restarted server (HEAD) how much it
// kept, and sends the rest.
//
//   node tests/browser/tus_crash.mjs BASE_URL JOB_JSON
//
// JOB_JSON: {"file": path, "cookie": "dj_session=…", "metadata": {…}, "chunk_size": bytes}.
// Prints one JSON line: {"ok", "url", "size", "retries", "acked_before_kill"} — the last
// offset the server acknowledged before the first failed request.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const webPackage = fileURLToPath(new URL('../../web/package.json', import.meta.url));
const require = createRequire(webPackage);
const tus = require('tus-js-client');

const [base, jobText] = process.argv.slice(2);
const job = JSON.parse(jobText);
const data = readFileSync(job.file);
// Long enough for a restart (the server is back within a few seconds).
const retryDelays = [100, 200, 400, 800, ...Array(60).fill(500)];

let retries = 0;
let acked = 0;
let ackedBeforeKill = null;

const upload = new tus.Upload(data, {
  endpoint: `${base}/api/v1/uploads`,
  headers: { Cookie: job.cookie },
  metadata: job.metadata,
  chunkSize: job.chunk_size,
  retryDelays,
  onShouldRetry() {
    retries += 1;
    if (ackedBeforeKill === null) ackedBeforeKill = acked;
    return true;
  },
  onChunkComplete(_chunk, bytesAccepted) {
    acked = bytesAccepted;
  },
  onError(e) {
    console.log(JSON.stringify({ ok: false, size: data.length, retries, error: String(e) }));
    process.exitCode = 1;
  },
  onSuccess() {
    const url = new URL(upload.url, base).pathname;
    console.log(JSON.stringify({ ok: true, url, size: data.length, retries, acked_before_kill: ackedBeforeKill }));
  },
});
upload.start();
