// The one gate between a transport and the handlers: validate, call, envelope. Both transports
// (Electron IPC and WebSocket) go through here, so no payload reaches a handler unchecked and no
// exception crosses to a renderer.

import type { WorkbenchHandlers } from '../../shared/contract.ts';
import { isMethodName, validateArgs } from '../../shared/contract-validate.ts';
import { toAppError, type Result } from '../../shared/result.ts';

export async function dispatch(handlers: WorkbenchHandlers, method: unknown, payload: unknown): Promise<Result<unknown>> {
  if (!isMethodName(method))
    return { ok: false, error: { code: 'invalid-argument', message: `unknown method "${String(method)}"` } };
  const args = validateArgs(method, payload);
  if (!args.ok) return args;
  try {
    const handler = handlers[method] as (a: unknown) => unknown;
    return { ok: true, value: await handler(args.value) };
  } catch (e) {
    const error = toAppError(e);
    if (error.code === 'internal') console.error(`[api] ${method} failed:`, e);
    return { ok: false, error };
  }
}
