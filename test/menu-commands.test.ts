// The native menu's commands as the renderer carries them out (src/renderer/src/lib/commands.ts):
// New Experiment opens the form; Open Data File opens the form, asks for a file, and makes it the
// form's data source, as CSV or IDX by its name. The menu side is in test/electron.test.ts, the
// wiring in a real page in test/e2e/menu-commands.e2e.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_COMMANDS } from '../src/shared/contract.ts';
import { dataSourceForFile } from '../src/shared/data-file.ts';
import { err, ok, type Result } from '../src/shared/result.ts';
import { runAppCommand, type CommandTargets } from '../src/renderer/src/lib/commands.ts';

function recorder(picked: Result<{ path: string; testPath: string | null } | null>) {
  const calls: string[] = [];
  const targets: CommandTargets = {
    showNewExperiment: () => void calls.push('show form'),
    pickDataFile: () => {
      calls.push('pick');
      return Promise.resolve(picked);
    },
    pickDataFolder: () => {
      calls.push('pick folder');
      return Promise.resolve(picked);
    },
    useDataFile: (source, path, testPath) =>
      void calls.push(`use ${source} ${path}${testPath === undefined ? '' : ` test "${testPath}"`}`),
  };
  return { calls, targets };
}

test('New Experiment opens the form and nothing else', async () => {
  const { calls, targets } = recorder(ok({ path: '/never/asked.csv', testPath: null }));
  await runAppCommand('new-experiment', targets);
  assert.deepEqual(calls, ['show form']);
});

test('Open Data File opens the form, then the picker, and the picked file becomes the data source', async () => {
  for (const [path, source, testPath] of [
    ['/home/me/mnist_train.csv', 'csv', '/home/me/mnist_test.csv'],
    ['/home/me/MNIST_TRAIN.CSV.GZ', 'csv', null],
    ['/data/train-images-idx3-ubyte.gz', 'idx', '/data/t10k-images-idx3-ubyte.gz'],
    ['/data/t10k-images-idx3-ubyte', 'idx', null],
  ] as const) {
    const { calls, targets } = recorder(ok({ path, testPath }));
    await runAppCommand('open-data-file', targets);
    // No test split beside it: the form's test file is cleared, so a share is held out.
    assert.deepEqual(calls, ['show form', 'pick', `use ${source} ${path} test "${testPath ?? ''}"`], path);
  }
});

test('Open Data File changes nothing when the dialog is cancelled or fails', async () => {
  for (const picked of [ok(null), err('internal', 'the dialog could not open')]) {
    const { calls, targets } = recorder(picked);
    await runAppCommand('open-data-file', targets);
    assert.deepEqual(calls, ['show form', 'pick']);
  }
});

test('Open Image Folder opens the form, then the folder picker, and the folder becomes the data source', async () => {
  const { calls, targets } = recorder(ok({ path: '/home/me/photos', testPath: null }));
  await runAppCommand('open-image-folder', targets);
  assert.deepEqual(calls, ['show form', 'pick folder', 'use folder /home/me/photos']);
  const cancelled = recorder(ok(null));
  await runAppCommand('open-image-folder', cancelled.targets);
  assert.deepEqual(cancelled.calls, ['show form', 'pick folder']);
});

test('every command has an action, and the CLI and the app read a file name the same way', async () => {
  for (const command of APP_COMMANDS) {
    const { calls, targets } = recorder(ok(null));
    await runAppCommand(command, targets);
    assert.ok(calls.includes('show form'), command);
  }
  assert.equal(dataSourceForFile('a.csv'), 'csv');
  assert.equal(dataSourceForFile('a.csv.bak'), 'idx');
});
