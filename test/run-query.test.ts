// The Runs filter language: each operator, and/or/not precedence, parentheses, quoted text, errors
// with the character they are at, and completion of keys and values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../src/shared/training.ts';
import { filterRuns, matchesRun, parseRunQuery, tagQuery, type RunQuery } from '../src/shared/run-query.ts';
import { completeQuery } from '../src/shared/run-query-complete.ts';
import { presetConfig } from './helpers.ts';
import { runRecord } from './run-record.ts';

function record(id: number, overrides: Partial<RunRecord> = {}, settings: Record<string, unknown> = {}): RunRecord {
  return runRecord({ id, config: presetConfig('quick', settings), ...overrides });
}

const loss = (total: number) => ({ total, recon: total - 10, kl: 10 });
const RUNS: RunRecord[] = [
  record(1, { name: 'z2 β1 seed1', tags: ['baseline'], finalHeldOut: loss(120) }, { 'model.latentDim': 2, 'loss.beta': 1 }),
  record(
    2,
    { name: 'z8 β1 seed1', sweepId: 3, sweepIndex: 0, finalHeldOut: loss(100) },
    { 'model.latentDim': 8, 'loss.beta': 1 },
  ),
  record(
    3,
    { name: 'z8 β4 seed1', sweepId: 3, sweepIndex: 1, status: 'pruned', notes: 'Blurry samples', finalHeldOut: loss(140) },
    { 'model.latentDim': 8, 'loss.beta': 4, 'optim.learningRate': 0.001 },
  ),
  record(
    4,
    { name: 'mlp wide', status: 'failed', tags: ['Baseline', 'old'], preset: 'mlp-bernoulli' },
    { 'model.encoder': 'seed-conv' },
  ),
];

function ids(text: string): number[] {
  const { runs, error } = filterRuns(RUNS, text);
  assert.equal(error, null, `${text}: ${error?.message}`);
  return runs.map((r) => r.id);
}

function errorOf(text: string) {
  const parsed = parseRunQuery(text);
  assert.equal(parsed.ok, false, `${text} should not parse`);
  return (parsed as { ok: false; error: { message: string; at: number; length: number } }).error;
}

test('numeric comparisons on aliases, setting paths and metrics', () => {
  assert.deepEqual(ids('latent=2'), [1]);
  assert.deepEqual(ids('model.latentDim=8'), [2, 3]);
  assert.deepEqual(ids('beta>=1'), [1, 2, 3, 4]);
  assert.deepEqual(ids('beta>1'), [3]);
  assert.deepEqual(ids('beta<=1'), [1, 2, 4]);
  assert.deepEqual(ids('beta<4'), [1, 2, 4]);
  assert.deepEqual(ids('beta!=4'), [1, 2, 4]);
  assert.deepEqual(ids('lr<0.002'), [3]);
  // Written two ways, the same learning rate.
  assert.deepEqual(ids('lr=1e-3'), [3]);
  assert.deepEqual(ids('heldOut.total<130'), [1, 2]);
  assert.deepEqual(ids('nelbo>=120'), [1, 3]);
  // A run without the metric matches no comparison on it, not even !=.
  assert.deepEqual(ids('nelbo!=100'), [1, 3]);
  // Keys forgive case.
  assert.deepEqual(ids('Latent=2'), [1]);
});

test('text settings, run fields and free text', () => {
  assert.deepEqual(ids('encoder=seed-conv'), [4]);
  assert.deepEqual(ids('encoder=MLP'), [1, 2, 3]);
  assert.deepEqual(ids('encoder!=mlp'), [4]);
  assert.deepEqual(ids('status:completed'), [1, 2]);
  assert.deepEqual(ids('status:pruned'), [3]);
  assert.deepEqual(ids('status!=completed'), [3, 4]);
  assert.deepEqual(ids('tag:baseline'), [1, 4]);
  assert.deepEqual(ids('tag!=old'), [1, 2, 3]);
  assert.deepEqual(ids('tag~base'), [1, 4]);
  assert.deepEqual(ids('sweep:3'), [2, 3]);
  assert.deepEqual(ids('id=4'), [4]);
  assert.deepEqual(ids('name~Z8'), [2, 3]);
  assert.deepEqual(ids('name:wide'), [4]);
  assert.deepEqual(ids('preset:mlp-bernoulli'), [4]);
  // Free text looks in names, notes, tags and presets.
  assert.deepEqual(ids('blurry'), [3]);
  assert.deepEqual(ids('OLD'), [4]);
  assert.deepEqual(ids('bernoulli'), [4]);
  assert.deepEqual(ids('"mlp wide"'), [4]);
  assert.deepEqual(ids('name~"z8 β4"'), [3]);
  assert.deepEqual(ids(''), [1, 2, 3, 4]);
  assert.deepEqual(ids('   '), [1, 2, 3, 4]);
});

test('spaces are and, or binds looser, parentheses and negation', () => {
  assert.deepEqual(ids('latent=8 beta=1'), [2]);
  assert.deepEqual(ids('latent=8 and beta=1'), [2]);
  assert.deepEqual(ids('latent=2 or beta=4'), [1, 3]);
  // and before or: (tag:old) or (latent=8 beta=4)
  assert.deepEqual(ids('tag:old or latent=8 beta=4'), [3, 4]);
  assert.deepEqual(ids('(tag:baseline or latent=8) beta=1'), [1, 2, 4]);
  assert.deepEqual(ids('tag:baseline OR latent=8 beta=1'), [1, 2, 4]);
  assert.deepEqual(ids('-tag:baseline'), [2, 3]);
  assert.deepEqual(ids('not status:completed'), [3, 4]);
  assert.deepEqual(ids('-(latent=8 or tag:old)'), [1]);
  const parsed = parseRunQuery('a b or c');
  assert.ok(parsed.ok);
  const expected: RunQuery = {
    kind: 'or',
    items: [
      {
        kind: 'and',
        items: [
          { kind: 'text', text: 'a' },
          { kind: 'text', text: 'b' },
        ],
      },
      { kind: 'text', text: 'c' },
    ],
  };
  assert.deepEqual(parsed.query, expected);
  assert.equal(matchesRun({ kind: 'all' }, RUNS[0]!), true);
});

test('errors say what is wrong and at which character', () => {
  assert.deepEqual(errorOf('latnt=2'), { message: "unknown setting 'latnt' at 0 (did you mean latent?)", at: 0, length: 5 });
  assert.deepEqual(errorOf('beta>='), { message: "expected a number after '>=' at 6", at: 6, length: 1 });
  assert.deepEqual(errorOf('beta>=abc'), { message: "expected a number after '>=' at 6", at: 6, length: 3 });
  const status = errorOf('status:done');
  assert.equal(status.at, 7);
  assert.equal(status.length, 4);
  assert.match(status.message, /^unknown status 'done' at 7; statuses are queued, running, .*pruned$/);
  assert.match(errorOf('latent=8 encoder=xyz').message, /^unknown encoder 'xyz' at 17; options are seed-conv, mlp, conv$/);
  assert.equal(errorOf('encoder>mlp').at, 7);
  assert.match(errorOf('encoder>mlp').message, /'>' compares numbers, but encoder is text/);
  assert.match(errorOf('beta~1').message, /'~' finds text, but beta is a number/);
  assert.deepEqual(errorOf('sweep:x'), { message: "expected a sweep number after ':' at 6", at: 6, length: 1 });
  assert.equal(errorOf('(beta=1 or latent=2').at, 0);
  assert.match(errorOf('(beta=1 or latent=2').message, /missing '\)'/);
  assert.equal(errorOf('beta=1)').at, 6);
  assert.equal(errorOf('beta=1 or').at, 7);
  assert.equal(errorOf('or beta=1').at, 0);
  assert.equal(errorOf('x ()').at, 2);
  assert.equal(errorOf('name~"open').at, 5);
  assert.equal(errorOf('=3').at, 0);
  assert.equal(errorOf('-latnt=2').at, 1);
  // An invalid query filters nothing and says why.
  const { runs, error } = filterRuns(RUNS, 'latent=2 status:done');
  assert.equal(runs.length, RUNS.length);
  assert.equal(error?.at, 16);
});

function labels(text: string, cursor = text.length): string[] {
  return completeQuery(text, cursor, RUNS).map((c) => c.label);
}

test('completion offers keys, then the values the key takes', () => {
  assert.deepEqual(labels('sta').slice(0, 1), ['status']);
  assert.ok(labels('lat').includes('latent'));
  assert.ok(labels('lat').includes('model.latentDim'));
  // Any dotted part matches.
  assert.ok(labels('learn').includes('optim.learningRate'));
  assert.deepEqual(labels('status:c'), ['completed']);
  assert.deepEqual(labels('status:'), ['queued', 'running', 'paused', 'completed', 'failed', 'interrupted', 'pruned']);
  assert.deepEqual(labels('encoder='), ['seed-conv', 'mlp', 'conv']);
  // Tags and sweeps come from the runs, most used first.
  assert.deepEqual(labels('tag:'), ['baseline', 'Baseline', 'old']);
  assert.deepEqual(labels('sweep:'), ['3']);
  assert.deepEqual(labels('latent='), ['8', '2', '16']);
  // Nothing to offer for a complete word, so Enter applies the query.
  assert.deepEqual(labels('latent'), []);
  assert.deepEqual(labels('status:completed'), []);
});

test('each completion says which characters it replaces', () => {
  const [status] = completeQuery('beta>=1 stat', 12, RUNS);
  assert.deepEqual(status, { label: 'status', detail: 'run status', insert: 'status:', from: 8, to: 12 });
  // In the middle of a query, the whole word under the cursor is replaced.
  const [enc] = completeQuery('enc beta=1', 2, RUNS);
  assert.deepEqual([enc?.insert, enc?.from, enc?.to], ['encoder=', 0, 3]);
  // After an operator, only the value.
  const [pruned] = completeQuery('latent=8 -status:pr', 19, RUNS);
  assert.deepEqual([pruned?.insert, pruned?.from, pruned?.to], ['pruned', 17, 19]);
  const [phrase] = completeQuery('tag:', 4, [record(9, { tags: ['two words'] })]);
  assert.equal(phrase?.insert, '"two words"');
});

test('a clicked tag becomes a term that finds exactly its runs', () => {
  assert.equal(tagQuery('baseline'), 'tag:baseline');
  assert.equal(tagQuery('two words'), 'tag:"two words"');
  const runs = [record(1, { tags: ['two words'] }), record(2, { tags: ['two'] })];
  assert.deepEqual(
    filterRuns(runs, tagQuery('two words')).runs.map((r) => r.id),
    [1],
  );
});
