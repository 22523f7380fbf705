// Result envelopes: what crosses every boundary (IPC, WebSocket, worker messages) instead of a throw.

/** Every error code; each is produced somewhere (test/error-codes.test.ts checks). */
export const ERROR_CODES = [
  'invalid-config',
  'invalid-argument',
  // The caller may not make this call (e.g. a frame that is not the app's own).
  'forbidden',
  'bad-data',
  'not-found',
  'conflict',
  'store-error',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  /** Dotted config path, e.g. `optim.learningRate`. */
  field: string;
  message: string;
}

export interface AppError {
  code: ErrorCode;
  message: string;
  /** The first offending field, when one field is to blame. */
  field?: string;
  /** Every offending field, for forms that show errors inline. */
  fields?: FieldError[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = <T = never>(code: ErrorCode, message: string, field?: string): Result<T> => ({
  ok: false,
  error: field === undefined ? { code, message } : { code, message, field },
});

/** An Error that carries an AppError, so deep code can throw and boundaries can envelope it. */
export class AppFailure extends Error {
  constructor(readonly appError: AppError) {
    super(appError.message);
    this.name = 'AppFailure';
  }
}

export function toAppError(e: unknown): AppError {
  if (e instanceof AppFailure) return e.appError;
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message };
}
