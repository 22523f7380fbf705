// Types for scripts/eslint-layers.js (plain JavaScript, so eslint.config.js can load it unbuilt).
import type { ESLint, Linter } from 'eslint';

export interface Layer {
  files: string;
  why: string;
  node?: boolean;
  modules?: string[];
  paths?: string[];
  except?: string[];
}
export const LAYERS: Layer[];
export function layerViolation(from: string, spec: string): string | null;
export const layeringConfig: Linter.Config[];
declare const plugin: ESLint.Plugin;
export default plugin;
