// Colours for digit labels on the scatter: the ten-colour categorical palette of matplotlib and d3
// ("category10"), which readers of latent-space plots know, and which stays legible on both the
// light and the dark surface.

export const LABEL_COLORS: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** A label's colour; labels past ten reuse the palette. */
export function labelColor(label: number): string {
  // The double modulo keeps the index in range for negative labels too.
  return LABEL_COLORS[((label % LABEL_COLORS.length) + LABEL_COLORS.length) % LABEL_COLORS.length]!;
}

/** The distinct labels present, ascending, for the legend. */
export function labelsPresent(labels: readonly number[] | null): number[] {
  return labels ? [...new Set(labels)].sort((a, b) => a - b) : [];
}

/** What a label is called: an image folder's class name when the run has them, else the number. */
export function labelName(label: number, classNames: readonly string[] | null): string {
  return classNames?.[label] ?? String(label);
}
