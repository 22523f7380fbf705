// Views live in the address hash (#/new, #/runs, #/runs/12, #/runs/12/latent, #/compare/3,5,9): a
// reload keeps the view, and the same addresses work from Electron's file:// page and the browser
// server alike.

export type Route =
  | { view: 'new' }
  | { view: 'runs' }
  | { view: 'run'; runId: number }
  | { view: 'latent'; runId: number }
  | { view: 'compare'; runIds: number[] };

/** Compare shows 2 to 6 runs side by side; more would not fit a row of image panels. */
export const MAX_COMPARE = 6;

function parseIds(text: string): number[] | null {
  if (!/^\d+(,\d+)*$/.test(text)) return null;
  // Order kept (it sets the colours), duplicates dropped.
  return [...new Set(text.split(',').map(Number))].slice(0, MAX_COMPARE);
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const id = parts[1] !== undefined && /^\d+$/.test(parts[1]) ? Number(parts[1]) : null;
  if (parts[0] === 'runs' && id !== null && parts.length === 2) return { view: 'run', runId: id };
  if (parts[0] === 'runs' && id !== null && parts.length === 3 && parts[2] === 'latent') return { view: 'latent', runId: id };
  if (parts[0] === 'runs' && parts.length === 1) return { view: 'runs' };
  if (parts[0] === 'compare') return { view: 'compare', runIds: (parts.length === 2 && parts[1] && parseIds(parts[1])) || [] };
  return { view: 'new' };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case 'run':
      return `#/runs/${route.runId}`;
    case 'latent':
      return `#/runs/${route.runId}/latent`;
    case 'compare':
      return route.runIds.length > 0 ? `#/compare/${route.runIds.join(',')}` : '#/compare';
    default:
      return `#/${route.view}`;
  }
}
