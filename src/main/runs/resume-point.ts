// Where a resumed run continues: its latest checkpoint (or the start, when it died before its first),
// with the output logged after that point dropped, since the resumed run replays it. Only for a run
// this process has claimed (runs.claimForResume): these are the destructive writes of a resume.

import type { CheckpointBlobs, TrainerPosition } from '../engine/trainer.ts';
import type { Store } from '../store/index.ts';

export function resumeBlobs(store: Store, runId: number): CheckpointBlobs | null {
  const checkpoint = store.checkpoints.latest(runId);
  return (
    checkpoint && {
      encoder: checkpoint.encoder,
      decoder: checkpoint.decoder,
      optimizer: checkpoint.optimizer ?? new Uint8Array(0),
      position: checkpoint.state as unknown as TrainerPosition,
    }
  );
}

export function truncateAfterCheckpoint(store: Store, runId: number): void {
  const fromStep = store.checkpoints.list(runId).at(-1)?.step ?? 0;
  store.metrics.truncateAfter(runId, fromStep);
  store.checkpoints.removeAfter(runId, fromStep);
  // From step 0 the run logs its first previews again, so those go too.
  store.images.removeAfter(runId, fromStep > 0 ? fromStep : -1);
}
