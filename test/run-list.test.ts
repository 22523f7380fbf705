// listRuns' packed payload (src/shared/run-list.ts): whatever goes in comes out deep-equal, through
// the wire's text encoding too, at a fraction of the size of the plain records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packRunList, unpackRunList, type ConfigDeltaMemo, type PackedRunList } from '../src/shared/run-list.ts';
import { decodeWire, encodeWire } from '../src/shared/wire.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { runRecord } from './run-record.ts';

const quick = findPreset('quick')!.config;
const seedNotebook = findPreset('seed-notebook')!.config;
// Legacy and malformed shapes are built on purpose, so the edits reach into the data untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
const withSettings = (base: ExperimentConfig, edit: (c: Loose) => void): ExperimentConfig => {
  const c = structuredClone(base) as unknown as Loose;
  edit(c);
  return c as unknown as ExperimentConfig;
};

function variedRuns(): RunRecord[] {
  return [
    runRecord({ id: 9, tags: ['baseline', 'z8'], finalHeldOut: { recon: 90.5, kl: 12.25, total: 102.75 } }),
    runRecord({
      id: 8,
      config: withSettings(quick, (c) => {
        c.model.latentDim = 8;
        c.loss.beta = 4;
        c.model.encoderHidden = [512, 256];
      }),
      tags: ['baseline', 'z8'],
      status: 'failed',
      statusMessage: 'Loss diverged',
      finalTrain: { recon: Number.NaN, kl: Number.POSITIVE_INFINITY, total: Number.NaN },
      sweepId: 3,
      sweepIndex: 0,
      worker: { name: 'ws1', host: 'lab-3' },
    }),
    // An old run's config: a setting missing, one this version does not know, and a section replaced by a value.
    runRecord({
      id: 7,
      config: withSettings(quick, (c) => {
        delete c.run.logEvery;
        c.data.legacy = { kept: [1, 2] };
        c.optim = null;
      }),
      owner: { pid: 4242, kind: 'cli' },
      status: 'running',
      startedAt: null,
      finishedAt: null,
    }),
    runRecord({ id: 6, preset: 'seed-notebook', config: seedNotebook, imagesPerSec: 1234.5, notes: 'first try' }),
    runRecord({ id: 5, config: quick, sweepId: 3, sweepIndex: 1, worker: { name: 'ws1', host: 'lab-3' } }),
  ];
}

test('packed runs unpack deep-equal to the records, through the wire as well', () => {
  const runs = variedRuns();
  assert.deepEqual(unpackRunList(packRunList(runs)), runs);
  const overWire = decodeWire(encodeWire({ ok: true, value: packRunList(runs) })) as { value: PackedRunList };
  assert.deepEqual(unpackRunList(overWire.value), runs);
  assert.deepEqual(unpackRunList(packRunList([])), []);
});

test('configs travel as their base plus what differs; unpacked, only untouched sections are shared', () => {
  const runs = variedRuns();
  const packed = packRunList(runs);
  assert.equal(packed.configBases.length, 2, 'one base per preset');
  const sets = (i: number) => (packed.configs[i]!.set ?? []).map(([path]) => packed.configPaths[path]!.join('.')).sort();
  assert.deepEqual(sets(1), ['loss.beta', 'model.encoderHidden', 'model.latentDim']);
  assert.deepEqual(sets(2), ['data.legacy', 'optim']);
  assert.deepEqual(
    packed.configs[2]!.unset?.map((i) => packed.configPaths[i]),
    [['run', 'logEvery']],
  );
  assert.equal(packed.configs[4]!.set, undefined, 'a config equal to its base is only a reference');

  const back = unpackRunList(packed);
  // Sections a run changes are its own; the others are shared with its base, and nothing is the input's.
  assert.notEqual(back[1]!.config.model, back[0]!.config.model);
  assert.notEqual(back[1]!.config.model.encoderHidden, runs[1]!.config.model.encoderHidden);
  assert.equal(back[1]!.config.data, back[0]!.config.data, 'untouched sections are shared');
  assert.notEqual(back[0]!.config, runs[0]!.config);
  back[0]!.tags.push('changed');
  assert.deepEqual(back[1]!.tags, ['baseline', 'z8'], 'equal tag lists are copies');
  assert.deepEqual(runs[0]!.tags, ['baseline', 'z8'], 'the packed input is untouched');
});

test('a sweep-like list packs to under a quarter of the plain records', () => {
  const runs = Array.from({ length: 1000 }, (_, i) =>
    runRecord({
      id: 1000 - i,
      name: `z${2 ** (i % 5)} β${i % 4} seed${i % 3}`,
      config: withSettings(quick, (c) => {
        c.model.latentDim = 2 ** (i % 5);
        c.loss.beta = i % 4;
        c.run.seed = i % 3;
      }),
      createdAt: 1_000_000 + i,
      finalHeldOut: { recon: 100 + (i % 7), kl: 10 + (i % 11), total: 110 + (i % 13) },
      sweepId: 1,
      sweepIndex: i,
    }),
  );
  const plain = encodeWire({ ok: true, value: runs }).length;
  const packed = encodeWire({ ok: true, value: packRunList(runs) }).length;
  assert.ok(packed * 4 < plain, `packed ${packed} bytes vs plain ${plain}`);
});

test('a malformed list is refused with what is wrong', () => {
  const packed = packRunList(variedRuns());
  const broken = (edit: (p: Loose) => void) => {
    const p = structuredClone(packed) as unknown as Loose;
    edit(p);
    return () => unpackRunList(p as unknown as PackedRunList);
  };
  assert.throws(
    broken((p) => p.columns.name.values.pop()),
    /column name has 4 values for 5 runs/,
  );
  assert.throws(
    broken((p) => (p.columns.status.index[0] = 7)),
    /column status refers to entry 7/,
  );
  assert.throws(
    broken((p) => (p.configs[1].base = 5)),
    /config base 5 of 2/,
  );
  assert.throws(
    broken((p) => (p.format = 'runs/0')),
    /unknown format runs\/0/,
  );
});

test('with a memo, each config is compared with its base once, and a new base is noticed', () => {
  const runs = variedRuns();
  let worked = 0;
  const memo: ConfigDeltaMemo = new (class extends WeakMap {
    override set(...args: Parameters<ConfigDeltaMemo['set']>) {
      worked++;
      return super.set(...args);
    }
  })();
  const first = packRunList(runs, memo);
  assert.equal(worked, 3, 'every config but the bases compared once');
  const second = packRunList(runs, memo);
  assert.deepEqual(second, first);
  assert.equal(worked, 3, 'nothing compared again');
  // A newer run of the same preset becomes the base: every delta is against it now.
  const newer = runRecord({ id: 10, config: runs[1]!.config });
  const third = packRunList([newer, ...runs], memo);
  // Runs 9 and 5 share one config object, so three configs are compared against the new base.
  assert.equal(worked, 3 + 3, 'each config against the new base');
  assert.equal(third.configs[2]!.set, undefined, 'run 8 equals the new base');
  assert.deepEqual(unpackRunList(third), [newer, ...runs]);
});
