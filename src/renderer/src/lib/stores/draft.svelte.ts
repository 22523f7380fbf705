// The experiment being configured. It outlives the form component, so a look at a running run and
// back does not lose what was typed. Text fields keep their text as typed; the config holds what
// that text parses to, valid or not, and validation explains what is wrong.

import { fieldSpec, getPath, setPath, FIELDS, type ExperimentConfig } from '../../../../shared/config.ts';
import type { DatasetSummary } from '../../../../shared/contract.ts';
import { DEFAULT_CONFIG, PRESETS, type Preset } from '../../../../shared/presets.ts';
import type { FieldError } from '../../../../shared/result.ts';
import { validateConfig } from '../../../../shared/validate.ts';
import { datasetKey, errorsByField, formatFieldValue, parseFieldInput } from '../config-form.ts';

function textsOf(config: ExperimentConfig): Record<string, string> {
  return Object.fromEntries(FIELDS.map((f) => [f.path, formatFieldValue(f, getPath(config, f.path))]));
}

class Draft {
  presetId = $state('quick');
  config = $state.raw<ExperimentConfig>(PRESETS[0]?.config ?? DEFAULT_CONFIG);
  texts = $state.raw<Record<string, string>>(textsOf(PRESETS[0]?.config ?? DEFAULT_CONFIG));
  /** Errors the server reported for the last launch; cleared by any edit. */
  serverErrors = $state.raw<FieldError[]>([]);
  inspection = $state.raw<{ key: string; summary: DatasetSummary } | null>(null);

  validation = $derived(validateConfig(this.config));
  problems = $derived<FieldError[]>([
    ...(this.validation.ok ? [] : (this.validation.error.fields ?? [{ field: '', message: this.validation.error.message }])),
    ...this.serverErrors,
  ]);
  errors = $derived(errorsByField(this.problems));
  /** The inspected summary, while the data settings it describes are unchanged. */
  summary = $derived(this.inspection && this.inspection.key === datasetKey(this.config.data) ? this.inspection.summary : null);

  usePreset(preset: Preset): void {
    this.presetId = preset.id;
    this.config = preset.config;
    this.texts = textsOf(preset.config);
    this.serverErrors = [];
  }

  /** Starts from another run's settings ("New experiment from this run"), under a name of its own. */
  useConfig(config: ExperimentConfig, name: string): void {
    // A run stored before a setting existed lacks it: the defaults fill it in (they reproduce how it ran).
    const checked = validateConfig(config);
    const next = setPath(checked.ok ? checked.value : config, 'run.name', name);
    this.presetId = config.preset;
    this.config = next;
    this.texts = textsOf(next);
    this.serverErrors = [];
  }

  setText(path: string, text: string): void {
    const spec = fieldSpec(path);
    if (!spec) return;
    this.texts = { ...this.texts, [path]: text };
    this.config = setPath(this.config, path, parseFieldInput(spec, text));
    this.serverErrors = [];
  }

  setValue(path: string, value: unknown): void {
    const spec = fieldSpec(path);
    if (!spec) return;
    this.texts = { ...this.texts, [path]: formatFieldValue(spec, value) };
    this.config = setPath(this.config, path, value);
    this.serverErrors = [];
  }
}

export const draft = new Draft();
