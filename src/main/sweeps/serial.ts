// Calls about one key run one after another (a sweep's pause, resume and cancel), while calls about
// different keys go on side by side. A call that fails does not hold up the next one. Hand-written:
// a per-key chain of promises is a dozen lines, less than a dependency's API.

export class PerKey {
  private readonly turns = new Map<number, Promise<unknown>>();

  /** Runs `fn` once every earlier call for `key` has settled. */
  run<T>(key: number, fn: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(key) ?? Promise.resolve()).catch(() => {}).then(fn);
    this.turns.set(key, turn);
    void turn
      .finally(() => {
        if (this.turns.get(key) === turn) this.turns.delete(key);
      })
      .catch(() => {});
    return turn;
  }
}
