// Views live in the address hash (#/new, #/runs, #/runs/12, #/runs/12/latent, #/compare/3,5,9,
// #/compare/3,5,9?group=model.latentDim,loss.beta, #/sweeps, #/sweeps/4): a reload keeps the view,
// and the same addresses work from Electron's file:// page and the browser server alike.

export type Route =
  | { view: 'new' }
  | { view: 'runs' }
  | { view: 'run'; runId: number }
  | { view: 'latent'; runId: number }
  /** `groupBy`: setting keys whose shared values make a group (mean ± std curves); absent or empty: runs one by one. */
  | { view: 'compare'; runIds: number[]; groupBy?: string[] }
  | { view: 'sweeps' }
  | { view: 'sweep'; sweepId: number };

/** Compare takes a sweep's worth of runs; the ids travel in the address, so there is a bound. */
export const MAX_COMPARE = 1000;

// Setting paths and metric keys: letters, digits and dots.
const GROUP_KEYS = /^[A-Za-z][\w.]*(,[A-Za-z][\w.]*)*$/;

function parseIds(text: string): number[] | null {
  if (!/^\d+(,\d+)*$/.test(text)) return null;
  // Order kept (it sets the colours), duplicates dropped.
  return [...new Set(text.split(',').map(Number))].slice(0, MAX_COMPARE);
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const id = parts[1] !== undefined && /^\d+$/.test(parts[1]) ? Number(parts[1]) : null;
  if (parts[0] === 'runs' && id !== null && parts.length === 2) return { view: 'run', runId: id };
  if (parts[0] === 'runs' && id !== null && parts.length === 3 && parts[2] === 'latent') return { view: 'latent', runId: id };
  if (parts[0] === 'runs' && parts.length === 1) return { view: 'runs' };
  if (parts[0] === 'sweeps' && id !== null && parts.length === 2) return { view: 'sweep', sweepId: id };
  if (parts[0] === 'sweeps' && parts.length === 1) return { view: 'sweeps' };
  if (parts[0] === 'compare') {
    const runIds = (parts.length === 2 && parts[1] && parseIds(parts[1])) || [];
    const group = new URLSearchParams(query).get('group');
    return group && GROUP_KEYS.test(group) ? { view: 'compare', runIds, groupBy: group.split(',') } : { view: 'compare', runIds };
  }
  return { view: 'new' };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case 'run':
      return `#/runs/${route.runId}`;
    case 'latent':
      return `#/runs/${route.runId}/latent`;
    case 'compare': {
      const base = route.runIds.length > 0 ? `#/compare/${route.runIds.join(',')}` : '#/compare';
      return route.groupBy && route.groupBy.length > 0 ? `${base}?group=${route.groupBy.join(',')}` : base;
    }
    case 'sweep':
      return `#/sweeps/${route.sweepId}`;
    default:
      return `#/${route.view}`;
  }
}
