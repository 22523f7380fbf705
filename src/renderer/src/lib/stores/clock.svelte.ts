// A coarse clock for durations of live runs, which grow while nothing else on screen changes.

class Clock {
  value = $state(Date.now());

  constructor() {
    setInterval(() => (this.value = Date.now()), 1000);
  }
}

export const now = new Clock();
