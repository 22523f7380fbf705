// The queue URL from the sweep form to the server: its shape checked (the error says what is wrong,
// never echoing the password), shown and stored without the password, a pasted password moved to its
// own field, a URL without one completed from VAE_QUEUE_URL only when that names the same queue, and
// the sweep page's Resume for a queue sweep nobody follows (its password typed in, kept nowhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueueUrl, redactQueueUrl, sameQueue } from '../src/shared/queue-url.ts';
import { validateArgs } from '../src/shared/contract-validate.ts';
import { queueUrlFor, takeQueueUrl } from '../src/renderer/src/lib/sweep-form.ts';
import { canResumeSweep, sweepBadgeStatus, waitingToBeFollowed } from '../src/renderer/src/lib/sweep-view.ts';
import { resolveQueueUrl } from '../src/main/queue/app-queue.ts';
import { DEFAULT_SWEEP } from '../src/shared/sweep.ts';

const URL_ = 'postgres://postgres:s3cr%2Ft@127.0.0.1:55432/workbench';

test('a queue URL is read for its parts, and what is wrong is named without the password', () => {
  const ok = parseQueueUrl(`${URL_}?sslmode=require`);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value, {
    user: 'postgres',
    password: 's3cr%2Ft',
    host: '127.0.0.1',
    port: 55432,
    database: 'workbench',
    query: '?sslmode=require',
  });
  const bad: [string, RegExp][] = [
    ['', /is empty/],
    ['http://u:pw@h:1/db', /must start with postgres:\/\//],
    ['postgres://u:pw@h:1', /is not of the form/],
    ['postgres://u:pw@h:99999/db', /has port 99999/],
    ['postgres://h:5432/db', /names no user/],
  ];
  for (const [url, message] of bad) {
    const r = parseQueueUrl(url);
    assert.ok(!r.ok, url);
    assert.match(r.message, message, url);
    assert.doesNotMatch(r.message, /pw/, 'the password is not echoed');
  }
  assert.equal(redactQueueUrl(URL_), 'postgres://postgres:***@127.0.0.1:55432/workbench');
  assert.equal(redactQueueUrl('postgres://u@h/db'), 'postgres://u@h:5432/db');
  assert.ok(sameQueue(URL_, 'postgres://postgres@127.0.0.1:55432/workbench'));
  assert.ok(!sameQueue(URL_, 'postgres://postgres@127.0.0.1:55433/workbench'));
});

test('the contract refuses a malformed queue URL in createSweep and resumeSweep, naming the field', () => {
  const definition = { ...DEFAULT_SWEEP, axes: [{ path: 'model.latentDim', values: [2, 3] }] };
  assert.ok(validateArgs('createSweep', { definition, queueUrl: URL_ }).ok);
  const r = validateArgs('createSweep', { definition, queueUrl: 'mysql://u:pw@h/db' });
  assert.ok(!r.ok);
  assert.equal(r.error.field, 'queueUrl');
  assert.match(r.error.message, /The queue URL must start with postgres:\/\//);
  assert.ok(!validateArgs('resumeSweep', { sweepId: 1, queueUrl: 7 }).ok);
  assert.ok(validateArgs('resumeSweep', { sweepId: 1 }).ok);
});

test('the form keeps a pasted password in its own field and puts it back, encoded, to launch', () => {
  const draft = takeQueueUrl(`${URL_}?sslmode=require`, { url: '', password: '' });
  assert.deepEqual(draft, { url: 'postgres://postgres@127.0.0.1:55432/workbench?sslmode=require', password: 's3cr/t' });
  const url = queueUrlFor(draft, false);
  assert.ok(url.ok);
  assert.equal(url.value, `${URL_}?sslmode=require`);
  // Typing a URL without a password leaves the password field as it was.
  assert.equal(takeQueueUrl('postgres://u@h:1/db', draft).password, 's3cr/t');
  const pruning = queueUrlFor(draft, true);
  assert.ok(!pruning.ok);
  assert.match(pruning.message, /not available on a queue/);
  const typo = queueUrlFor({ url: 'postgres:/h/db', password: 'x' }, false);
  assert.ok(!typo.ok);
  assert.match(typo.message, /^The queue URL must start with postgres:\/\//);
});

test('the server takes a missing password from VAE_QUEUE_URL only when it names the same queue', () => {
  const env = { VAE_QUEUE_URL: URL_ };
  assert.equal(resolveQueueUrl('postgres://postgres@127.0.0.1:55432/workbench', env), URL_);
  assert.equal(resolveQueueUrl('postgres://postgres:***@127.0.0.1:55432/workbench', env), URL_);
  assert.equal(resolveQueueUrl('postgres://postgres@127.0.0.1:1/workbench', env), 'postgres://postgres@127.0.0.1:1/workbench');
  assert.throws(() => resolveQueueUrl('postgres://postgres:***@127.0.0.1:1/workbench', env), /needs its password/);
  assert.throws(
    () => resolveQueueUrl('nope', env),
    (e: Error & { appError?: { field?: string } }) => e.appError?.field === 'queueUrl',
  );
});

test("a queue sweep nobody follows can be resumed, and its prompt's URL is the stored one with the typed password", () => {
  const stored = 'postgres://postgres:***@10.0.0.5:55432/workbench?sslmode=require';
  const sweep = { status: 'running' as const, queue: stored, owner: null };
  assert.ok(waitingToBeFollowed(sweep));
  assert.ok(canResumeSweep(sweep));
  // Followed by a live process, or local: Resume stays off while running.
  assert.ok(!canResumeSweep({ ...sweep, owner: { pid: 42, kind: 'app' as const } }));
  assert.ok(!waitingToBeFollowed({ ...sweep, queue: null }));
  // The badge, on the sweep's page and in the Sweeps list, says so (one function for both).
  assert.equal(sweepBadgeStatus(sweep), 'waiting');
  assert.equal(sweepBadgeStatus({ ...sweep, owner: { pid: 42, kind: 'app' as const } }), 'running');
  assert.equal(sweepBadgeStatus({ ...sweep, queue: null }), 'running');
  assert.equal(sweepBadgeStatus({ ...sweep, status: 'completed' as const }), 'completed');
  assert.ok(canResumeSweep({ ...sweep, status: 'paused' as const, owner: { pid: 42, kind: 'app' as const } }));
  const typed = queueUrlFor({ url: stored, password: 'p@ss/w:rd' }, false);
  assert.deepEqual(typed, { ok: true, value: 'postgres://postgres:p%40ss%2Fw%3Ard@10.0.0.5:55432/workbench?sslmode=require' });
  assert.ok(sameQueue(stored, typed.ok ? typed.value : ''));
  // Nothing typed: the *** goes, and the server takes the password from its VAE_QUEUE_URL.
  assert.deepEqual(queueUrlFor({ url: stored, password: '' }, false), {
    ok: true,
    value: 'postgres://postgres@10.0.0.5:55432/workbench?sslmode=require',
  });
});
