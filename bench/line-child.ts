// A child process spoken to in JSON lines: one request line in, one reply line out. The bench keeps
// its measuring processes (ours per thread count, PyTorch's) alive with this, so it can alternate
// between them without paying each one's start-up again.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export class LineChild {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;
  private stderr = '';
  private failure: Error | null = null;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.proc = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.on('error', (e) => {
      this.failure = e;
      this.finish();
    });
    this.proc.on('close', () => this.finish());
    this.proc.stderr.on('data', (d: Buffer) => {
      // Keep the tail only: a warning-happy child must not grow this without bound.
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(line);
      } else this.lines.push(line);
    });
  }

  private finish(): void {
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(null);
    }
  }

  /** The next line the child writes, or null once it has exited (or could not start). */
  nextLine(): Promise<string | null> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Sends one request and returns the raw reply line; throws with the child's last words if it died. */
  async request(message: object): Promise<string> {
    if (!this.ended) this.proc.stdin.write(`${JSON.stringify(message)}\n`);
    const line = await this.nextLine();
    if (line === null) throw new Error(this.whyEnded());
    return line;
  }

  /** Why the child is gone: the spawn error, or the last line of its stderr. */
  whyEnded(): string {
    if (this.failure) return this.failure.message;
    const last = this.stderr.trim().split('\n').pop();
    return last ? `exited: ${last}` : 'exited without a reply';
  }

  close(): void {
    if (!this.ended) this.proc.stdin.end();
  }
}
