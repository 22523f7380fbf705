// A queue's PostgreSQL URL as the sweep form and the contract read it: checked for its shape before
// anything connects, and redacted wherever it is shown or stored (its password never leaves the
// process that connects). Parsed by hand because src/shared runs where the WHATWG URL class is not
// typed (its tsconfig has neither the DOM nor Node), and only this one shape is accepted.

export interface QueueUrlParts {
  user: string;
  /** Empty when the URL gives none (then VAE_QUEUE_URL may supply it; see src/main/queue/app-queue.ts). */
  password: string;
  host: string;
  port: number;
  database: string;
  /** "?sslmode=require" and the like, or "". */
  query: string;
}

const SHAPE =
  /^(postgres|postgresql):\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?([^:/?#@]+|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?\/([^/?#]+)(\?[^#]*)?$/;

export const QUEUE_URL_EXAMPLE = 'postgres://USER:PASSWORD@HOST:PORT/DATABASE';

/** The URL's parts, or what is wrong with it (never echoing the password). */
export function parseQueueUrl(text: string): { ok: true; value: QueueUrlParts } | { ok: false; message: string } {
  const url = text.trim();
  if (url === '') return { ok: false, message: `is empty; give ${QUEUE_URL_EXAMPLE}` };
  if (!/^postgres(ql)?:\/\//.test(url)) return { ok: false, message: `must start with postgres:// (${QUEUE_URL_EXAMPLE})` };
  const m = SHAPE.exec(url);
  if (!m) return { ok: false, message: `is not of the form ${QUEUE_URL_EXAMPLE}` };
  const port = m[5] === undefined ? 5432 : Number(m[5]);
  if (port < 1 || port > 65535) return { ok: false, message: `has port ${port}; a port is 1 to 65535` };
  if (!m[2]) return { ok: false, message: `names no user (${QUEUE_URL_EXAMPLE})` };
  return {
    ok: true,
    value: { user: m[2], password: m[3] ?? '', host: m[4]!, port, database: m[6]!, query: m[7] ?? '' },
  };
}

/** The URL with its password replaced by ***: what may be shown, logged or stored. */
export function redactQueueUrl(text: string): string {
  const parsed = parseQueueUrl(text);
  if (!parsed.ok) return '(an unreadable queue URL)';
  const { user, password, host, port, database, query } = parsed.value;
  return `postgres://${user}${password ? ':***' : ''}@${host}:${port}/${database}${query}`;
}

/** Whether two URLs name the same queue (user, host, port, database), whatever their passwords. */
export function sameQueue(a: string, b: string): boolean {
  const x = parseQueueUrl(a);
  const y = parseQueueUrl(b);
  if (!x.ok || !y.ok) return false;
  const key = (p: QueueUrlParts) => `${p.user}@${p.host}:${p.port}/${p.database}`;
  return key(x.value) === key(y.value);
}
