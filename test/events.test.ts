// The event coalescer, measured where batches are sent: however fast events come, batches leave at
// least one interval apart, every step is kept in order, and only the newest image per run and kind.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventCoalescer } from '../src/main/api/events.ts';
import type { WorkbenchEvent } from '../src/shared/contract.ts';
import type { SweepRecord } from '../src/shared/sweep.ts';
import type { TrainingEvent } from '../src/shared/training.ts';

const step = (runId: number, n: number): TrainingEvent => ({
  type: 'step',
  runId,
  epoch: 1,
  step: n,
  totalSteps: 10_000,
  loss: { recon: 1, kl: 1, total: 2 },
  imagesPerSec: 1,
  etaSeconds: 1,
  wallMs: n,
});
const image = (runId: number, n: number): TrainingEvent => ({
  type: 'image',
  runId,
  epoch: 0,
  step: n,
  kind: 'samples',
  grid: { rows: 1, cols: 1, height: 1, width: 1, pixels: new Uint8Array([n]) },
});

// Timers and the clock are node:test's mocks: the intervals are checked exactly, whatever the
// machine's load, and the test takes no real time.
function mockClock(t: TestContext): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
}

test('a flood of events leaves as batches at least 50 ms apart, nothing lost', (t) => {
  mockClock(t);
  const sent: { at: number; event: WorkbenchEvent }[] = [];
  const c = new EventCoalescer((event) => sent.push({ at: Date.now(), event }), 50);
  let n = 0;
  // 20 steps and an image every 2 ms for 600 ms.
  while (Date.now() < 600) {
    for (let i = 0; i < 20; i++) c.push(step(1, ++n));
    c.push(image(1, n));
    t.mock.timers.tick(2);
  }
  t.mock.timers.tick(80);
  c.dispose();
  const batches = sent.filter((s) => s.event.type === 'training');
  const gaps = batches.slice(1).map((b, i) => b.at - batches[i]!.at);
  assert.equal(batches.length, 12, 'one batch every 50 ms over 600 ms');
  assert.ok(Math.min(...gaps) >= 50, `min gap ${Math.min(...gaps)} ms`);
  const events = batches.flatMap((b) => (b.event as Extract<WorkbenchEvent, { type: 'training' }>).events);
  const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
  assert.deepEqual(
    steps,
    Array.from({ length: n }, (_, i) => i + 1),
  );
  for (const b of batches) {
    const images = (b.event as Extract<WorkbenchEvent, { type: 'training' }>).events.filter((e) => e.type === 'image');
    assert.ok(images.length <= 1, 'one image per run and kind per batch');
  }
});

test('status changes also tell clients that run lists changed', (t) => {
  mockClock(t);
  const sent: WorkbenchEvent[] = [];
  const c = new EventCoalescer((e) => sent.push(e), 10);
  c.push({ type: 'status', runId: 3, status: 'completed', message: '' });
  t.mock.timers.tick(9);
  assert.equal(sent.length, 0, 'nothing before the interval');
  t.mock.timers.tick(1);
  assert.deepEqual(
    sent.map((e) => e.type),
    ['training', 'runs-changed'],
  );
  c.dispose();
});

test('image grids go out at most twice a second per run and kind, and the newest always arrives', (t) => {
  mockClock(t);
  const sent: { at: number; event: WorkbenchEvent }[] = [];
  const c = new EventCoalescer((event) => sent.push({ at: Date.now(), event }), 20, 200);
  for (let n = 1; n <= 30; n++) {
    c.push(image(1, n));
    c.push(image(2, n));
    t.mock.timers.tick(20);
  }
  t.mock.timers.tick(300);
  c.dispose();
  const images = sent.flatMap((s) =>
    s.event.type === 'training' ? s.event.events.filter((e) => e.type === 'image').map((e) => ({ at: s.at, e })) : [],
  );
  for (const runId of [1, 2]) {
    const mine = images.filter((i) => i.e.runId === runId);
    const gaps = mine.slice(1).map((m, i) => m.at - mine[i]!.at);
    assert.ok(Math.min(...gaps) >= 200, `run ${runId}: min gap ${Math.min(...gaps)} ms`);
    assert.ok(mine.length >= 3 && mine.length <= 5, `run ${runId}: ${mine.length} images in 900 ms`);
    assert.equal(mine[mine.length - 1]!.e.step, 30, 'the newest grid is delivered last');
  }
});

test('sweeps go out after the run events of their batch, the newest read of each sweep only', (t) => {
  mockClock(t);
  const sent: WorkbenchEvent[] = [];
  const c = new EventCoalescer((e) => sent.push(e), 10);
  const sweep = (id: number, completed: number) => ({ id, counts: { completed } }) as unknown as SweepRecord;
  c.pushSweeps([sweep(1, 0)]);
  c.push({ type: 'status', runId: 3, status: 'completed', message: '' });
  c.pushSweeps([sweep(1, 1), sweep(2, 0)]);
  t.mock.timers.tick(10);
  assert.deepEqual(
    sent.map((e) => e.type),
    ['training', 'runs-changed', 'sweeps-changed'],
  );
  assert.deepEqual(sent[2], { type: 'sweeps-changed', sweeps: [sweep(1, 1), sweep(2, 0)] });
  c.pushSweeps([]);
  t.mock.timers.tick(100);
  assert.equal(sent.length, 3, 'nothing to send, nothing sent');
  c.dispose();
});
