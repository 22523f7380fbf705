// The cores other processes keep busy, as auto threads count them (src/main/runs/cpu-load.ts): the
// machine's busy time less this process's own, over the last few seconds; the load average only
// until a window has passed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OthersLoad, readCpu, type CpuReading } from '../src/main/runs/cpu-load.ts';

/** A machine whose clock and CPU counters the test moves by hand. */
function fakeMachine() {
  const now: CpuReading = { machineBusyMs: 10_000, ownMs: 2_000, at: 0 };
  return {
    read: () => ({ ...now }),
    /** `ms` pass; the machine is busy `busyCores` cores' worth, `ownCores` of them this process. */
    pass(ms: number, busyCores: number, ownCores: number) {
      now.at += ms;
      now.machineBusyMs += ms * busyCores;
      now.ownMs += ms * ownCores;
    },
  };
}

test("others' load: the fallback until a window has passed, then busy time less this process's own", () => {
  const m = fakeMachine();
  const load = new OthersLoad(m.read, () => 1.7, null);
  m.pass(200, 2, 1);
  assert.equal(load.busyCores(), 1.7, 'a 200 ms window says nothing yet');
  m.pass(800, 2, 1.2);
  // Over the whole second: (2*200 + 2*800) - (1*200 + 1.2*800) = 840 ms of others' work in 1,000 ms.
  assert.ok(Math.abs(load.busyCores() - 0.84) < 1e-9, String(load.busyCores()));
  // This process's own runs, however busy, are never counted as others'.
  m.pass(1_000, 2, 2);
  assert.ok(Math.abs(load.busyCores() - 0.42) < 1e-9, String(load.busyCores()));
});

test("others' load follows the last few seconds: a busy spell long gone no longer counts", () => {
  const m = fakeMachine();
  const load = new OthersLoad(m.read, () => 0, null);
  // Another program keeps both cores busy for 3 s, then the machine is idle for 10 s.
  for (let s = 0; s < 3; s++) {
    m.pass(1_000, 2, 0);
    load.tick();
  }
  assert.ok(load.busyCores() > 1.9, 'while it runs');
  for (let s = 0; s < 10; s++) {
    m.pass(1_000, 0, 0);
    load.tick();
  }
  assert.equal(load.busyCores(), 0, 'ten seconds later');
  // Counters that moved backwards (a CPU taken offline) read as no load, never as a negative one.
  m.pass(1_000, -1, 0);
  assert.equal(load.busyCores(), 0);
});

test('the real counters give a finite figure of zero or more cores', async () => {
  const load = new OthersLoad();
  try {
    const before = readCpu();
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(readCpu().at > before.at);
    const cores = load.busyCores();
    assert.ok(Number.isFinite(cores) && cores >= 0, String(cores));
  } finally {
    load.close();
  }
});
