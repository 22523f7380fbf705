// The current view, kept in the address hash.

import { parseRoute, routeHash, type Route } from '../route.ts';

class Router {
  route = $state<Route>(parseRoute(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseRoute(window.location.hash);
    });
  }

  go(route: Route): void {
    const hash = routeHash(route);
    if (window.location.hash !== hash) window.location.hash = hash;
    this.route = route;
  }
}

export const router = new Router();
