// What the UI does for each native menu command (Electron's File menu). Kept apart from the stores
// it drives, so the decisions are testable without a DOM.

import type { AppCommand } from '../../../shared/contract.ts';
import type { DataSource } from '../../../shared/config.ts';
import { dataSourceForFile } from '../../../shared/data-file.ts';
import type { Result } from '../../../shared/result.ts';

export interface CommandTargets {
  /** Opens the New experiment form. */
  showNewExperiment(): void;
  /** The native file dialog, reporting its own failure; null when cancelled. */
  pickDataFile(): Promise<Result<{ path: string; testPath: string | null } | null>>;
  /** The native folder dialog, reporting its own failure; null when cancelled. */
  pickDataFolder(): Promise<Result<{ path: string } | null>>;
  /**
   * Puts the file into the form as its data source, with the test split found beside it (empty:
   * none, so a share is held out; a test file of a previous data source must not stay behind).
   * Absent (an image folder): the test file is left as it is.
   */
  useDataFile(source: Exclude<DataSource, 'builtin-mnist'>, path: string, testPath?: string): void;
}

export async function runAppCommand(command: AppCommand, targets: CommandTargets): Promise<void> {
  switch (command) {
    case 'new-experiment':
      targets.showNewExperiment();
      return;
    case 'open-data-file': {
      // The form is where a data file is used, so it is shown first, behind the dialog.
      targets.showNewExperiment();
      const picked = await targets.pickDataFile();
      if (picked.ok && picked.value)
        targets.useDataFile(dataSourceForFile(picked.value.path), picked.value.path, picked.value.testPath ?? '');
      return;
    }
    case 'open-image-folder': {
      targets.showNewExperiment();
      const picked = await targets.pickDataFolder();
      if (picked.ok && picked.value) targets.useDataFile('folder', picked.value.path);
      return;
    }
  }
}
