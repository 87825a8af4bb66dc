// The TV UI must run on old TV browsers (and the field kit's page on whatever laptop the
// township has): every script it ships must parse as ES2017 (no
// optional chaining, no `??`, no object spread, no top-level await, no `catch {}`...).
// The office's modules (web/admin) keep the same floor, so one style holds everywhere.
// Parses each file with acorn (`ecmaVersion: 2017`; web/admin's files as ES modules, the
// others as classic scripts) and refuses `var` in our own files (`const`/`let` only).
//
//   node tests/web/es2017.mjs [FILE_OR_DIR...]      (default: web/tv, web/m, web/kit, web/admin)
//
// Prints one JSON line {"ok", "checked": [...], "failed": [{file, line, column, error}]} and
// exits 1 when a file does not parse (or, ours, declares a `var`). `--vendor` also checks web/vendor/hls.min.js and
// web/vendor/tus.min.js (which the TV and the office load, but which are not ours: see
// web/README.md for what they need; `var` is theirs to keep).

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
if (!roots.length) roots.push(join(repo, 'web/tv'), join(repo, 'web/m'), join(repo, 'web/kit'), join(repo, 'web/admin'));
const vendored = ['web/vendor/hls.min.js', 'web/vendor/tus.min.js'];
if (vendor) roots.push(...vendored.map((name) => join(repo, name)));

// Every `var` declaration in the tree under `node`.
function varDeclarations(node, found = []) {
  if (!node || typeof node.type !== 'string') return found;
  if (node.type === 'VariableDeclaration' && node.kind === 'var') found.push(node);
  for (const key of Object.keys(node)) {
    const child = node[key];
    if (Array.isArray(child)) child.forEach((c) => varDeclarations(c, found));
    else if (child && typeof child === 'object' && key !== 'loc') varDeclarations(child, found);
  }
  return found;
}

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
      const sourceType = name.startsWith('web/admin/') ? 'module' : 'script';
      const ast = acorn.parse(readFileSync(file, 'utf8'), { ecmaVersion: 2017, sourceType, locations: true });
      if (!vendored.includes(name)) {
        for (const v of varDeclarations(ast)) {
          out.failed.push({ file: name, line: v.loc.start.line, column: v.loc.start.column, error: '`var` declaration: use const or let' });
        }
      }
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
