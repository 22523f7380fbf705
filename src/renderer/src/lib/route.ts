// Views live in the address hash (#/new, #/runs, #/runs/12): a reload keeps the view, and the same
// addresses work from Electron's file:// page and the browser server alike.

export type Route = { view: 'new' } | { view: 'runs' } | { view: 'run'; runId: number };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'runs' && parts.length === 2 && /^\d+$/.test(parts[1])) return { view: 'run', runId: Number(parts[1]) };
  if (parts[0] === 'runs' && parts.length === 1) return { view: 'runs' };
  return { view: 'new' };
}

export function routeHash(route: Route): string {
  return route.view === 'run' ? `#/runs/${route.runId}` : `#/${route.view}`;
}
