// The training loop driven in-process with a real trainer: a stop that arrives while the run is paused
// ends it from `paused` (never flashing `running`) and keeps the pause's checkpoint as the only one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { runLoop } from '../src/main/runs/loop.ts';
import { CONTROL_PAUSE, CONTROL_RUN, CONTROL_STOP } from '../src/main/runs/protocol.ts';
import type { TrainingEvent } from '../src/shared/training.ts';
import { presetConfig } from './helpers.ts';

before(async () => {
  await initBackend('auto');
});

test('pause then stop: one checkpoint at the paused step, statuses paused then nothing', async () => {
  const cfg = presetConfig('quick', { 'data.limit': 400, 'optim.batchSize': 16, 'optim.epochs': 1 });
  const trainer = new Trainer(cfg, prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed));
  let control = CONTROL_RUN;
  const events: TrainingEvent[] = [];
  const checkpoints: number[] = [];
  const result = await runLoop(1, trainer, {
    emit: (e) => {
      events.push(e);
      if (e.type === 'step' && e.step === 3) control = CONTROL_PAUSE;
    },
    checkpoint: (blobs) => checkpoints.push(blobs.position.step),
    control: () => control,
    // The person presses Stop while the run is paused.
    waitWhilePaused: () => {
      control = CONTROL_STOP;
    },
  });
  trainer.dispose();
  assert.equal(result.status, 'interrupted');
  assert.match(result.message, /at step 3;/);
  assert.deepEqual(checkpoints, [3]);
  assert.deepEqual(
    events.filter((e) => e.type === 'status').map((e) => e.status),
    ['paused'],
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'checkpoint').map((e) => e.step),
    [3],
  );
});
