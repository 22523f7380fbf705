// Module hooks for the test processes (scripts/require-cjs.mjs registers them): an ES module's import
// of tfjs is served by require. Node's ESM loader otherwise scans a CommonJS package's source for its
// export names (cjs-module-lexer), and tfjs re-exports its core and layers, megabytes in all: about
// 1.4 s of CPU in every test file that imports it, against 0.3 s for require. The module is the one
// require loads, so its backends register into the same tfjs; its export names are read once (by
// requiring it in this hooks thread) and kept in node_modules/.cache by file, size and mtime.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGES = /^@tensorflow\/tfjs(-[a-z-]+)?$/;
const MARK = 'vae-require-cjs';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'vae-workbench', 'cjs-export-names.json');
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
// Names a destructuring cannot bind; such an export stays reachable through the default export.
const RESERVED = new Set(
  'await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
);

function readCache() {
  try {
    return JSON.parse(readFileSync(CACHE, 'utf8'));
  } catch {
    return {};
  }
}

function exportNames(file) {
  const { size, mtimeMs } = statSync(file);
  const key = `${size}:${mtimeMs}`;
  const cache = readCache();
  if (cache[file]?.key === key) return cache[file].names;
  const names = Object.keys(createRequire(file)(file)).filter((n) => IDENTIFIER.test(n) && !RESERVED.has(n));
  cache[file] = { key, names };
  mkdirSync(dirname(CACHE), { recursive: true });
  // Written aside and renamed over: three test processes may fill it at once.
  const tmp = `${CACHE}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(cache));
  renameSync(tmp, CACHE);
  return names;
}

export async function resolve(specifier, context, next) {
  if (!PACKAGES.test(specifier) || !context.parentURL?.startsWith('file:')) return next(specifier, context);
  const file = createRequire(fileURLToPath(context.parentURL)).resolve(specifier);
  return { url: `${pathToFileURL(file).href}?${MARK}`, format: 'module', shortCircuit: true };
}

export async function load(url, context, next) {
  if (!url.endsWith(`?${MARK}`)) return next(url, context);
  const file = fileURLToPath(url.slice(0, -MARK.length - 1));
  const names = exportNames(file);
  const source = [
    "import { createRequire } from 'node:module';",
    `const m = createRequire(${JSON.stringify(file)})(${JSON.stringify(file)});`,
    'export default m;',
    `export const { ${names.join(', ')} } = m;`,
  ].join('\n');
  return { format: 'module', source, shortCircuit: true };
}
