// The hyperparameter table: one row per setting of the config schema, one column per run. What
// makes runs differ is the point of comparing them, so by default only rows whose values differ are
// shown; the rest are a toggle away.

import { FIELD_GROUPS, type ExperimentConfig } from '../../../../shared/config.ts';
import { GROUP_ORDER, settingText } from '../config-form.ts';

export interface HyperparamRow {
  /** Dotted config path (or `preset`). */
  path: string;
  label: string;
  /** The schema group's label, e.g. "Model". */
  group: string;
  /** One per run, as shown; '—' where the setting does not apply to that run. */
  values: string[];
  differs: boolean;
}

/** Names differ by design and head the columns already; they would make every comparison "differ". */
const LEFT_OUT = new Set(['run.name']);

/** Every applicable setting; a setting that applies to no run (e.g. a CSV path for MNIST runs) is left out. */
export function hyperparamRows(configs: readonly ExperimentConfig[]): HyperparamRow[] {
  const rows: HyperparamRow[] = [];
  for (const group of GROUP_ORDER) {
    if (group === 'run') {
      // Not a field of the schema, but where each run started from is worth a row.
      const values = configs.map((c) => c.preset);
      rows.push({ path: 'preset', label: 'Preset', group: FIELD_GROUPS.run.label, values, differs: new Set(values).size > 1 });
    }
    for (const spec of FIELD_GROUPS[group].fields) {
      if (LEFT_OUT.has(spec.path)) continue;
      const applies = configs.map((c) => !spec.visibleWhen || spec.visibleWhen(c));
      if (!applies.some(Boolean)) continue;
      const values = configs.map((c, i) => (applies[i] ? settingText(c, spec.path) : '—'));
      rows.push({
        path: spec.path,
        label: spec.label,
        group: FIELD_GROUPS[group].label,
        values,
        differs: new Set(values).size > 1,
      });
    }
  }
  return rows;
}

export function shownRows(rows: readonly HyperparamRow[], showAll: boolean): HyperparamRow[] {
  return showAll ? [...rows] : rows.filter((r) => r.differs);
}

/** Rows under their group's heading, in schema order, for a table with group separators. */
export function groupRows(rows: readonly HyperparamRow[]): { group: string; rows: HyperparamRow[] }[] {
  const out: { group: string; rows: HyperparamRow[] }[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && last.group === row.group) last.rows.push(row);
    else out.push({ group: row.group, rows: [row] });
  }
  return out;
}
