// The Electron shell, tested without Electron (its runtime cannot be downloaded everywhere): the
// built bundles, the preload's exposed API, the navigation and permission rules, window state and
// menus. Electron objects are replaced by small fakes that record what the code asked of them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { APP_COMMANDS, METHOD_NAMES } from '../src/shared/contract.ts';
import { menuTemplate } from '../src/main/electron/menu.ts';
import { electronSqliteBindingPath, findElectronSqliteBinding } from '../src/main/electron/native-sqlite.ts';
import { installSessionPolicy, isAllowedExternalUrl, isAppUrl, lockDownContents } from '../src/main/electron/security.ts';
import {
  clampToDisplays,
  DEFAULT_WINDOW_STATE,
  loadWindowState,
  parseWindowState,
  trackWindowState,
  type Rect,
} from '../src/main/electron/window-state.ts';
import {
  appRootUrl,
  CONTENT_SECURITY_POLICY,
  MIN_HEIGHT,
  MIN_WIDTH,
  rendererSource,
  windowOptions,
} from '../src/main/electron/window.ts';
import { tempDir } from './helpers.ts';
import { createAppCore } from '../src/main/app-core.ts';
import { bindIpc } from '../src/main/electron/ipc.ts';
import { runAppCommand, type CommandTargets } from '../src/renderer/src/lib/commands.ts';

const ROOT = join(import.meta.dirname, '..');

describe('built bundles', () => {
  let out = '';
  before(() => {
    // A private build, so a build running elsewhere in out/ cannot race with this test.
    out = tempDir({ after: (fn) => process.on('exit', fn) });
    const bin = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    const r = spawnSync(process.execPath, [bin, 'build', '--outDir', out, '--logLevel', 'error'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
  });

  test('the window options are locked down, in source and in the built main bundle', () => {
    const opts = windowOptions(DEFAULT_WINDOW_STATE, '/app/out/preload/index.cjs');
    const web = opts.webPreferences!;
    assert.equal(web.contextIsolation, true);
    assert.equal(web.sandbox, true);
    assert.equal(web.nodeIntegration, false);
    assert.equal(web.webSecurity, true);
    assert.equal(web.allowRunningInsecureContent, false);
    assert.equal(web.webviewTag, false);
    assert.equal(web.spellcheck, false);
    assert.equal(web.preload, '/app/out/preload/index.cjs');
    assert.equal(opts.show, false);
    assert.equal(opts.minWidth, MIN_WIDTH);
    assert.notEqual(windowOptions(DEFAULT_WINDOW_STATE, '', { dark: true }).backgroundColor, opts.backgroundColor);

    const main = readFileSync(join(out, 'main', 'index.js'), 'utf8');
    for (const flag of [
      'contextIsolation: true',
      'sandbox: true',
      'nodeIntegration: false',
      'webSecurity: true',
      'webviewTag: false',
      'allowRunningInsecureContent: false',
    ]) {
      assert.ok(main.includes(flag), `out/main/index.js lacks "${flag}"`);
    }
    assert.doesNotMatch(main, /nodeIntegration: true|contextIsolation: false|sandbox: false|webSecurity: false/);
    assert.match(main, /"index\.cjs"/, 'the main bundle loads the CJS preload');
    assert.ok(existsSync(join(out, 'preload', 'index.cjs')));
  });

  test('workers are emitted beside every chunk that spawns them', () => {
    const dir = join(out, 'main');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      for (const [, name] of readFileSync(join(dir, file), 'utf8').matchAll(/spawnWorker\(import\.meta\.url, "([\w-]+)"/g)) {
        assert.ok(existsSync(join(dir, `${name}.js`)), `${file} spawns ${name}.js, which is not beside it`);
      }
    }
  });

  test('the preload exposes exactly the contract, over its own channels, never rejects, and hides the IPC event', async () => {
    const file = join(out, 'preload', 'index.cjs');
    const code = readFileSync(file, 'utf8');
    // A sandboxed preload may require only electron (and a few built-ins it does not need).
    assert.deepEqual([...new Set([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]))], ['electron']);

    const exposed = new Map<string, Record<string, (...args: unknown[]) => unknown>>();
    const invoked: unknown[][] = [];
    const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
    const fakeElectron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: Record<string, (...args: unknown[]) => unknown>) => exposed.set(key, api),
      },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          // Electron's invoke rejects when the IPC itself fails, and throws at once for an argument
          // it cannot clone.
          if (args[0] === 'workbench:stopRun') return Promise.reject(new Error('No handler registered for workbench:stopRun'));
          if (args[0] === 'workbench:pauseRun') throw new Error('An object could not be cloned.');
          return Promise.resolve({ ok: true, value: null });
        },
        on: (channel: string, fn: (...args: unknown[]) => void) => {
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel)!.add(fn);
        },
        removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
      },
    };
    const loader = Module as unknown as { _load: (this: unknown, request: string, ...rest: unknown[]) => unknown };
    const realLoad = loader._load;
    loader._load = function (request: string, ...rest: unknown[]) {
      return request === 'electron' ? fakeElectron : realLoad.call(this, request, ...rest);
    };
    try {
      createRequire(import.meta.url)(file);
    } finally {
      loader._load = realLoad;
    }

    assert.deepEqual([...exposed.keys()], ['workbench']);
    const api = exposed.get('workbench')!;
    assert.deepEqual(Object.keys(api).sort(), [...METHOD_NAMES, 'onEvent', 'onCommand'].sort());
    for (const key of Object.keys(api)) assert.equal(typeof api[key], 'function');

    void api.getAppInfo!();
    void api.getRun!({ runId: 3 }, 'smuggled');
    assert.deepEqual(invoked, [
      ['workbench:getAppInfo', undefined],
      ['workbench:getRun', { runId: 3 }],
    ]);
    assert.deepEqual(await api.listRuns!(), { ok: true, value: null });
    // A failed IPC is a failed Result, as the contract promises: the page never sees a rejection.
    assert.deepEqual(await api.stopRun!({ runId: 1 }), {
      ok: false,
      error: { code: 'internal', message: 'The call stopRun did not reach the app: No handler registered for workbench:stopRun' },
    });
    assert.deepEqual(await api.pauseRun!({ runId: 1 }), {
      ok: false,
      error: { code: 'internal', message: 'The call pauseRun did not reach the app: An object could not be cloned.' },
    });

    const received: unknown[][] = [];
    const off = api.onEvent!((...args: unknown[]) => received.push(args)) as () => void;
    const offCommand = api.onCommand!((...args: unknown[]) => received.push(args)) as () => void;
    const fakeIpcEvent = { sender: { send() {} } };
    listeners.get('workbench:event')!.forEach((fn) => fn(fakeIpcEvent, { type: 'runs-changed' }));
    listeners.get('workbench:command')!.forEach((fn) => fn(fakeIpcEvent, { type: 'command', command: 'new-experiment' }));
    assert.deepEqual(received, [[{ type: 'runs-changed' }], [{ type: 'command', command: 'new-experiment' }]]);
    off();
    offCommand();
    assert.equal(listeners.get('workbench:event')!.size, 0);
    assert.equal(listeners.get('workbench:command')!.size, 0);
    assert.throws(() => api.onEvent!('not a function'), TypeError);
  });
  test('File > Open Data File through the built preload fills the test file found beside the picked one', async (t) => {
    const dir = tempDir(t);
    const files = [
      'train-images-idx3-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      'mnist_train.csv',
      'mnist_test.csv',
      'lone_train.csv',
    ];
    for (const name of files) writeFileSync(join(dir, name), '');
    let picked = '';
    const core = createAppCore({
      databasePath: join(dir, 'w.db'),
      shell: 'electron',
      pickDataFile: () => Promise.resolve(picked),
    });
    t.after(() => core.close());
    // Main's side is the real IPC binding over the real core; Electron's channels are fakes between them.
    const handlers = new Map<string, (event: unknown, payload: unknown) => unknown>();
    const binding = bindIpc(
      { handle: (channel, fn) => handlers.set(channel, fn as never), removeHandler: (channel) => handlers.delete(channel) },
      core,
      () => null,
      'file:///app/out/renderer/',
    );
    t.after(() => binding.dispose());
    const appFrame = { senderFrame: { url: 'file:///app/out/renderer/index.html', parent: null } };
    let api: Record<string, (...args: unknown[]) => unknown> | undefined;
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (_key: string, exposed: typeof api) => (api = exposed) },
      ipcRenderer: {
        invoke: (channel: string, payload: unknown) => Promise.resolve(handlers.get(channel)!(appFrame, payload)),
        on: () => {},
        removeListener: () => {},
      },
    };
    const loader = Module as unknown as { _load: (this: unknown, request: string, ...rest: unknown[]) => unknown };
    const realLoad = loader._load;
    loader._load = function (request: string, ...rest: unknown[]) {
      return request === 'electron' ? fakeElectron : realLoad.call(this, request, ...rest);
    };
    const file = join(out, 'preload', 'index.cjs');
    try {
      const require = createRequire(import.meta.url);
      delete require.cache[file];
      require(file);
    } finally {
      loader._load = realLoad;
    }
    const used: string[][] = [];
    const targets: CommandTargets = {
      showNewExperiment: () => {},
      pickDataFile: () => api!.pickDataFile!() as ReturnType<CommandTargets['pickDataFile']>,
      pickDataFolder: () => Promise.resolve({ ok: true, value: null }),
      useDataFile: (source, path, testPath) => void used.push([source, path, testPath ?? 'untouched']),
    };
    for (const name of ['train-images-idx3-ubyte.gz', 'mnist_train.csv', 'lone_train.csv']) {
      picked = join(dir, name);
      await runAppCommand('open-data-file', targets);
    }
    assert.deepEqual(used, [
      ['idx', join(dir, 'train-images-idx3-ubyte.gz'), join(dir, 't10k-images-idx3-ubyte.gz')],
      ['csv', join(dir, 'mnist_train.csv'), join(dir, 'mnist_test.csv')],
      // Nothing beside it: the form's test file is cleared, and a share is held out.
      ['csv', join(dir, 'lone_train.csv'), ''],
    ]);
  });
});

describe('security rules', () => {
  const fileRoot = 'file:///app/out/renderer/';
  const devRoot = 'http://localhost:5173/';

  test('only http(s) links with a host go to the system browser', () => {
    for (const url of ['https://github.com/x', 'http://example.com/a?b=c#d']) assert.equal(isAllowedExternalUrl(url), true, url);
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>1</script>',
      'vbscript:x',
      'smb://host/share',
      'https://user:pass@example.com/',
      'https://',
      'not a url',
      `https://example.com/${'a'.repeat(3000)}`,
      42,
      null,
    ]) {
      assert.equal(isAllowedExternalUrl(url), false, String(url));
    }
  });

  test('app pages are those under the renderer folder, or on the dev server origin', () => {
    assert.equal(isAppUrl('file:///app/out/renderer/index.html', fileRoot), true);
    assert.equal(isAppUrl('file:///app/out/renderer/index.html#/runs/3', fileRoot), true);
    assert.equal(isAppUrl('file:///app/out/renderer/../../secret.html', fileRoot), false);
    assert.equal(isAppUrl('file:///app/out/renderer/%2e%2e/%2e%2e/secret.html', fileRoot), false);
    assert.equal(isAppUrl('file:///app/out/renderer/..%2f..%2fsecret.html', fileRoot), false);
    assert.equal(isAppUrl('file:///app/out/renderer-evil/index.html', fileRoot), false);
    assert.equal(isAppUrl('file://server/app/out/renderer/index.html', fileRoot), false);
    assert.equal(isAppUrl('https://evil.example/', fileRoot), false);
    assert.equal(isAppUrl('http://localhost:5173/src/main.ts', devRoot), true);
    assert.equal(isAppUrl('http://localhost:5174/', devRoot), false);
    assert.equal(isAppUrl('https://localhost:5173/', devRoot), false);
    assert.equal(isAppUrl('http://localhost.evil.example:5173/', devRoot), false);
    assert.equal(isAppUrl(undefined, devRoot), false);
  });

  test('the app root follows where the page comes from', () => {
    const built = rendererSource('/app/out/main', {});
    assert.deepEqual(built, { kind: 'file', path: join('/app/out/main', '..', 'renderer', 'index.html') });
    assert.equal(appRootUrl(built), pathToFileURL('/app/out/renderer/').href);
    const dev = rendererSource('/app/out/main', { ELECTRON_RENDERER_URL: 'http://localhost:5173' });
    assert.equal(appRootUrl(dev), devRoot);
  });

  function fakeContents() {
    const handlers = new Map<string, (...args: unknown[]) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | null = null;
    const contents = {
      on(name: string, fn: (...args: unknown[]) => void) {
        handlers.set(name, fn);
        return contents;
      },
      setWindowOpenHandler(fn: (details: { url: string }) => { action: string }) {
        openHandler = fn;
      },
    };
    const emit = (name: string, url?: string) => {
      let prevented = false;
      handlers.get(name)!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    return { contents, emit, open: (url: string) => openHandler!({ url }) };
  }

  test('navigation away from the app, new windows and webviews are refused', async () => {
    const opened: string[] = [];
    const { contents, emit, open } = fakeContents();
    lockDownContents(contents as never, fileRoot, (url) => {
      opened.push(url);
    });
    assert.equal(emit('will-navigate', 'file:///app/out/renderer/index.html'), false);
    assert.equal(emit('will-navigate', 'https://example.com/paper'), true);
    assert.equal(emit('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(emit('will-navigate', 'javascript:alert(1)'), true);
    assert.equal(emit('will-redirect', 'https://example.com/'), true);
    assert.equal(emit('will-redirect', 'file:///app/out/renderer/index.html'), false);
    assert.equal(emit('will-attach-webview'), true);
    for (const url of ['https://github.com/', 'file:///app/out/renderer/index.html', 'data:text/html,x', 'javascript:1']) {
      assert.deepEqual(open(url), { action: 'deny' });
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(opened, ['https://example.com/paper', 'https://github.com/']);
  });

  test('the session grants notifications only, and sends the CSP with app pages only', () => {
    let requestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
    let checkHandler: ((...args: unknown[]) => boolean) | null = null;
    let headersHandler: ((details: unknown, cb: (r: unknown) => void) => void) | null = null;
    installSessionPolicy(
      {
        setPermissionRequestHandler: (fn: never) => (requestHandler = fn),
        setPermissionCheckHandler: (fn: never) => (checkHandler = fn),
        webRequest: { onHeadersReceived: (fn: never) => (headersHandler = fn) },
      },
      devRoot,
    );
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | null = null;
      requestHandler!(null, permission, (g) => (granted = g));
      assert.equal(granted, permission === 'notifications', permission);
    }
    assert.equal(checkHandler!(null, 'media', 'http://localhost:5173'), false);
    assert.equal(checkHandler!(null, 'notifications', 'http://localhost:5173'), true);

    let response: { responseHeaders?: Record<string, string[]> } = {};
    headersHandler!(
      { url: 'http://localhost:5173/', responseHeaders: { 'Content-Type': ['text/html'] } },
      (r) => (response = r as never),
    );
    assert.deepEqual(response.responseHeaders!['Content-Security-Policy'], [CONTENT_SECURITY_POLICY]);
    assert.deepEqual(response.responseHeaders!['Content-Type'], ['text/html']);
    headersHandler!({ url: 'https://example.com/', responseHeaders: {} }, (r) => (response = r as never));
    assert.deepEqual(response, {});
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "worker-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]) {
      assert.ok(CONTENT_SECURITY_POLICY.includes(directive), directive);
    }
    // The built page loads from file:, whose responses carry no headers: its <meta> policy must
    // allow the same own-origin scripts and workers, and nothing looser.
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(
      readFileSync(join(ROOT, 'src', 'renderer', 'index.html'), 'utf8'),
    )?.[1];
    assert.ok(meta, 'index.html has a CSP meta tag');
    for (const directive of ["default-src 'self'", "script-src 'self'", "worker-src 'self'", "object-src 'none'"])
      assert.ok(meta.split('; ').includes(directive), `the meta policy has ${directive}: ${meta}`);
    assert.doesNotMatch(meta, /unsafe-eval|(script|worker)-src[^;]*(unsafe-inline|blob:|data:|\*)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|script-src[^;]*unsafe-inline/);
  });
});

describe('window state', () => {
  const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
  const right: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };

  test('a saved state is parsed strictly', () => {
    assert.deepEqual(parseWindowState({ width: 1000.4, height: 700, x: 10, y: 20, maximized: true }), {
      width: 1000,
      height: 700,
      x: 10,
      y: 20,
      maximized: true,
    });
    assert.deepEqual(parseWindowState({ width: 1000, height: 700, x: 10 }), { width: 1000, height: 700, maximized: false });
    for (const bad of [null, 'x', {}, { width: -1, height: 5 }, { width: Infinity, height: 5 }, { width: '9', height: 9 }]) {
      assert.equal(parseWindowState(bad), null);
    }
  });

  test('a window on a display still attached keeps its place', () => {
    const state = { x: 2000, y: 100, width: 1400, height: 900, maximized: true };
    assert.deepEqual(clampToDisplays(state, [primary, right]), state);
  });

  test('a window on a display since removed is centred on the primary one', () => {
    const state = { x: 2000, y: 100, width: 1400, height: 900, maximized: false };
    assert.deepEqual(clampToDisplays(state, [primary]), { x: 260, y: 70, width: 1400, height: 900, maximized: false });
  });

  test('a window hanging off the edge is pulled fully inside the display it mostly covers', () => {
    assert.deepEqual(clampToDisplays({ x: 1500, y: -50, width: 1200, height: 800, maximized: false }, [primary]), {
      x: 720,
      y: 0,
      width: 1200,
      height: 800,
      maximized: false,
    });
    // Barely visible (a sliver under 120x60 px) counts as lost.
    assert.deepEqual(clampToDisplays({ x: 1900, y: 1000, width: 1200, height: 800, maximized: false }, [primary]), {
      x: 360,
      y: 120,
      width: 1200,
      height: 800,
      maximized: false,
    });
  });

  test('a window larger than a small screen shrinks to it, never below the minimum a screen allows', () => {
    const small: Rect = { x: 0, y: 0, width: 1280, height: 680 };
    assert.deepEqual(clampToDisplays({ x: 0, y: 0, width: 3000, height: 2000, maximized: false }, [small]), {
      x: 0,
      y: 0,
      width: 1280,
      height: 680,
      maximized: false,
    });
    const tiny: Rect = { x: 0, y: 0, width: 800, height: 600 };
    const fitted = clampToDisplays({ width: 100, height: 100, maximized: false }, [tiny]);
    assert.equal(fitted.width, 800);
    assert.equal(fitted.height, 600);
    assert.ok(MIN_WIDTH > 800 && MIN_HEIGHT > 600);
  });

  test('saves debounced while moving and at once on close; loads back what it saved', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'nested', 'window-state.json');
    assert.deepEqual(loadWindowState(file), DEFAULT_WINDOW_STATE);
    writeFileSync(join(dir, 'corrupt.json'), '{"width": 10');
    assert.deepEqual(loadWindowState(join(dir, 'corrupt.json')), DEFAULT_WINDOW_STATE);

    const listeners = new Map<string, () => void>();
    let bounds = { x: 10, y: 20, width: 1100, height: 700 };
    const win = {
      on: (name: string, fn: () => void) => listeners.set(name, fn),
      getNormalBounds: () => bounds,
      isMaximized: () => false,
    };
    trackWindowState(win, file, 30);
    for (let i = 0; i < 5; i++) {
      bounds = { ...bounds, x: bounds.x + 1 };
      listeners.get('move')!();
    }
    assert.equal(existsSync(file), false, 'nothing is written while the window is still moving');
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(loadWindowState(file), { ...bounds, maximized: false });

    bounds = { x: 50, y: 60, width: 1300, height: 900 };
    listeners.get('resize')!();
    listeners.get('close')!();
    assert.deepEqual(loadWindowState(file), { ...bounds, maximized: false });
  });
});

describe('menu', () => {
  type Item = { label?: string; role?: string; accelerator?: string; click?: () => void; submenu?: Item[] };
  const flat = (items: Item[]): Item[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])]);

  test('File > New Experiment, Open Data File and Open Image Folder send their commands; developer items only in development', () => {
    const commands: string[] = [];
    const make = (isDev: boolean, platform: NodeJS.Platform) =>
      flat(menuTemplate({ platform, isDev, sendCommand: (c) => commands.push(c), openExternal: () => {} }) as Item[]);

    const prod = make(false, 'linux');
    const newExperiment = prod.find((i) => i.label === 'New Experiment')!;
    assert.equal(newExperiment.accelerator, 'CmdOrCtrl+N');
    newExperiment.click!();
    const openData = prod.find((i) => i.label === 'Open Data File…')!;
    assert.equal(openData.accelerator, 'CmdOrCtrl+O');
    openData.click!();
    const openFolder = prod.find((i) => i.label === 'Open Image Folder…')!;
    assert.equal(openFolder.accelerator, 'CmdOrCtrl+Shift+O');
    openFolder.click!();
    assert.deepEqual(commands, ['new-experiment', 'open-data-file', 'open-image-folder']);
    // Every command the menu sends is one the renderer handles (test/menu-commands.test.ts).
    assert.deepEqual(commands, [...APP_COMMANDS]);
    const roles = prod.map((i) => i.role);
    for (const role of ['quit', 'close', 'copy', 'paste', 'undo', 'zoomIn', 'resetZoom', 'togglefullscreen', 'minimize']) {
      assert.ok(roles.includes(role), role);
    }
    for (const role of ['reload', 'forceReload', 'toggleDevTools']) assert.ok(!roles.includes(role), `${role} in production`);
    const devRoles = make(true, 'linux').map((i) => i.role);
    for (const role of ['reload', 'toggleDevTools']) assert.ok(devRoles.includes(role), role);
    const mac = menuTemplate({ platform: 'darwin', isDev: false, sendCommand: () => {}, openExternal: () => {} });
    assert.equal(mac[0]!.label, 'VAE Workbench');
  });

  test('Help offers the read-me and the project page only when there are some', () => {
    const opened: string[] = [];
    let readme = 0;
    const withLinks = menuTemplate({
      platform: 'linux',
      isDev: false,
      sendCommand: () => {},
      openReadme: () => readme++,
      projectUrl: 'https://example.com/vae-workbench',
      openExternal: (url) => opened.push(url),
    }) as Item[];
    const help = withLinks.at(-1)!;
    assert.equal(help.role, 'help');
    help.submenu!.forEach((i) => i.click!());
    assert.equal(readme, 1);
    assert.deepEqual(opened, ['https://example.com/vae-workbench']);
    const without = menuTemplate({ platform: 'linux', isDev: false, sendCommand: () => {}, openExternal: () => {} }) as Item[];
    assert.ok(!without.some((i) => i.role === 'help'));
  });
});

describe('native SQLite for Electron', () => {
  test('the app looks where npm start puts the Electron build', async () => {
    const script = (await import(pathToFileURL(join(ROOT, 'scripts', 'electron-sqlite.mjs')).href)) as {
      electronSqliteBindingPath(root: string, version: string): string;
    };
    assert.equal(script.electronSqliteBindingPath('/app', '45.4.1'), electronSqliteBindingPath('/app', '45.4.1'));
    const present = new Set([electronSqliteBindingPath('/app', '45.4.1'), '/custom/b.node']);
    const exists = (p: string) => present.has(p);
    assert.equal(findElectronSqliteBinding('/app', '45.4.1', {}, exists), electronSqliteBindingPath('/app', '45.4.1'));
    assert.equal(findElectronSqliteBinding('/app', '46.0.0', {}, exists), undefined);
    assert.equal(findElectronSqliteBinding('/app', '46.0.0', { VAE_SQLITE_BINDING: '/custom/b.node' }, exists), '/custom/b.node');
  });
});
