// The ASHA decision by itself: who goes on at a rung, against a hand-worked arrival order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ashaDecide } from '../src/shared/asha.ts';

/** Runs arriving at one rung in order; each is judged against those that arrived before it. */
function arrive(values: number[], reduction = 3, epoch = 1, epochs = 9) {
  return values.map((value, i) => ashaDecide({ epochs, reduction, epoch, value, others: values.slice(0, i) })!);
}

test('only rung epochs are decided', () => {
  // Rungs of a 9-epoch run with r = 3: 1 and 3 (9 is its end, not a rung).
  const at = (epoch: number) => ashaDecide({ epochs: 9, reduction: 3, epoch, value: 100, others: [1] });
  assert.deepEqual(
    [1, 2, 3, 4, 9].map((e) => at(e) !== null),
    [true, false, true, false, false],
  );
});

test('the first run at a rung always goes on, however bad', () => {
  const d = ashaDecide({ epochs: 4, reduction: 3, epoch: 1, value: 1e9, others: [] })!;
  assert.deepEqual([d.prune, d.rank, d.n, d.keep], [false, 1, 1, 1]);
  assert.match(d.message, /^Continued at epoch 1: held-out −ELBO 1000000000\.0 ranked 1 of 1 \(kept: top 1\)$/);
});

test('nine runs in a known order: exactly the hand-worked ones are pruned', () => {
  // keep = max(1, floor(n/3)) at arrival: n=1..5 keep 1, n=6..8 keep 2, n=9 keep 3.
  const decisions = arrive([5, 3, 8, 1, 9, 2, 7, 4, 6]);
  assert.deepEqual(
    decisions.map((d) => d.prune),
    [false, false, true, false, true, false, true, true, true],
  );
  assert.deepEqual(
    decisions.map((d) => d.rank),
    [1, 1, 3, 1, 5, 2, 5, 4, 6],
  );
  assert.equal(decisions[6]!.message, 'Pruned at epoch 1: held-out −ELBO 7.0 ranked 5 of 7 (kept: top 2)');
});

test('the best value at a rung is never pruned, whatever the order', () => {
  const values = [112.4, 98.1, 130.2, 101.7, 99.9, 140.0, 97.3, 105.5, 120.8, 97.31];
  // Every rotation and the reverse: the arrival order differs, the best stays.
  const orders = [...values.map((_, k) => [...values.slice(k), ...values.slice(0, k)]), [...values].reverse()];
  for (const order of orders) {
    const best = Math.min(...order);
    arrive(order, 2).forEach((d, i) => {
      if (order[i] === best) assert.equal(d.prune, false, `best ${best} in order ${order.join(',')}`);
    });
  }
});

test("ties rank in the arriving run's favour; a diverged value ranks last", () => {
  const tie = ashaDecide({ epochs: 9, reduction: 3, epoch: 3, value: 10, others: [10, 12] })!;
  assert.deepEqual([tie.rank, tie.prune], [1, false]);
  const nan = ashaDecide({ epochs: 9, reduction: 2, epoch: 1, value: NaN, others: [50] })!;
  assert.deepEqual([nan.rank, nan.prune], [2, true]);
  const againstNan = ashaDecide({ epochs: 9, reduction: 2, epoch: 1, value: 500, others: [NaN] })!;
  assert.deepEqual([againstNan.rank, againstNan.prune], [1, false]);
});
