// What the backend says about itself (version, shell, presets), loaded once at start.

import type { AppInfo } from '../../../../shared/contract.ts';
import { getClient } from '../client/index.ts';
import { notices } from './notices.svelte.ts';

class AppState {
  info = $state.raw<AppInfo | null>(null);

  async load(): Promise<void> {
    const result = await notices.track('Connecting to the workbench…', getClient().getAppInfo());
    if (result.ok) this.info = result.value;
  }
}

export const app = new AppState();
