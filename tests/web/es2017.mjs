// The TV UI must run on old TV browsers (and the field kit's page on whatever laptop the
// township has): every script it ships must parse as ES2017 (no
// optional chaining, no `??`, no object spread, no top-level await, no `catch {}`...).
// Parses each file with acorn (`ecmaVersion: 2017`, scripts, not modules).
//
//   node tests/web/es2017.mjs [FILE_OR_DIR...]      (default: web/tv, web/m and web/kit)
//
// Prints one JSON line {"ok", "checked": [...], "failed": [{file, line, column, error}]} and
// exits 1 when a file does not parse. `--vendor` also checks web/vendor/hls.min.js (which
// the TV loads, but which is not ours: see web/README.md for what it needs).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(join(repo, 'web/package.json'));
let acorn;
try {
  acorn = require('acorn');
} catch (e) {
  console.error(`es2017.mjs: acorn is not installed (run \`make web-deps\`): ${e.message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const vendor = args.includes('--vendor');
const roots = args.filter((a) => a !== '--vendor');
if (!roots.length) roots.push(join(repo, 'web/tv'), join(repo, 'web/m'), join(repo, 'web/kit'));
if (vendor) roots.push(join(repo, 'web/vendor/hls.min.js'));

function scripts(path) {
  const st = statSync(path);
  if (st.isFile()) return path.endsWith('.js') ? [path] : [];
  return readdirSync(path).sort().flatMap((name) => scripts(join(path, name)));
}

const out = { ok: true, ecma_version: 2017, checked: [], failed: [] };
for (const root of roots) {
  let files;
  try {
    files = scripts(root);
  } catch (e) {
    out.failed.push({ file: root, error: `cannot read: ${e.message}` });
    continue;
  }
  for (const file of files) {
    const name = relative(repo, file);
    out.checked.push(name);
    try {
      acorn.parse(readFileSync(file, 'utf8'), { ecmaVersion: 2017, sourceType: 'script', locations: true });
    } catch (e) {
      out.failed.push({ file: name, line: e.loc ? e.loc.line : null, column: e.loc ? e.loc.column : null, error: e.message });
    }
  }
}
if (!out.checked.length) out.failed.push({ file: roots.join(' '), error: 'no .js file found' });
out.ok = out.failed.length === 0;
console.log(JSON.stringify(out));
if (!out.ok) {
  for (const f of out.failed) console.error(`es2017.mjs: ${f.file}${f.line ? `:${f.line}:${f.column}` : ''}: ${f.error}`);
  process.exit(1);
}
