// The system colour scheme, for the few things CSS cannot theme by itself (chart.js draws on a canvas).

class Theme {
  dark = $state(false);

  constructor() {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    this.dark = query.matches;
    query.addEventListener('change', (e) => (this.dark = e.matches));
  }
}

export const theme = new Theme();
