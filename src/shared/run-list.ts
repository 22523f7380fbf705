// listRuns' payload: every run of the database, packed by column. With 10,000 runs the list as an
// array of RunRecord objects was 11.5 MB on the wire (each record repeating ~25 key names and a full
// ~550-byte config), and encoding, sending and parsing it took well over a second. Packed, each field
// is one array (fields whose values repeat, like status or preset, as a dictionary plus indexes),
// losses are triples, and each config is its preset's base config plus the few settings where it
// differs (a sweep's runs differ in two or three). The records unpacked are deep-equal to the ones
// packed; this is a format of our own because it is a shape of our own records, not a general codec.

import type { ExperimentConfig } from './config.ts';
import type { LossParts, RunRecord } from './training.ts';

/** A field's values: as they are, or as a dictionary of distinct values and each run's index into it. */
type Column<T> = { values: T[] } | { dict: T[]; index: number[] };

/** Where a config differs from its base: settings set (by path) and settings the base has and it lacks. */
interface ConfigDelta {
  set?: [string[], unknown][];
  unset?: string[][];
}

/** A config on the wire: its base, and its delta with each path given by its index in `configPaths`. */
interface PackedConfig {
  base: number;
  set?: [number, unknown][];
  unset?: number[];
}

export interface PackedRunList {
  format: 'runs/1';
  count: number;
  columns: { [K in Exclude<keyof RunRecord, 'config' | 'finalTrain' | 'finalHeldOut'>]: Column<RunRecord[K]> };
  /** recon, kl, total per run, or null. */
  finalTrain: ([number, number, number] | null)[];
  finalHeldOut: ([number, number, number] | null)[];
  configBases: ExperimentConfig[];
  /** Every setting path some config's delta names, once. */
  configPaths: string[][];
  configs: PackedConfig[];
}

const DICT_FIELDS = new Set<keyof RunRecord>([
  'preset',
  'status',
  'statusMessage',
  'backend',
  'datasetName',
  'datasetFingerprint',
  'notes',
  'tags',
  'sweepId',
  'worker',
]);

function column<K extends keyof PackedRunList['columns']>(runs: readonly RunRecord[], key: K): Column<RunRecord[K]> {
  const values = runs.map((r) => r[key]);
  if (!DICT_FIELDS.has(key)) return { values };
  // Tags are arrays: keyed by their JSON so that equal lists share one entry.
  const keyOf = key === 'tags' || key === 'worker' ? (v: unknown) => JSON.stringify(v) : (v: unknown) => v;
  const slot = new Map<unknown, number>();
  const dict: RunRecord[K][] = [];
  const index = values.map((v) => {
    const k = keyOf(v);
    let i = slot.get(k);
    if (i === undefined) {
      i = dict.length;
      slot.set(k, i);
      dict.push(v);
    }
    return i;
  });
  return { dict, index };
}

const lossTriple = (l: LossParts | null): [number, number, number] | null => (l === null ? null : [l.recon, l.kl, l.total]);
const isTree = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function sameLeaf(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameLeaf(v, b[i]));
  return false;
}

/** Where `config` differs from `base`, walking objects and comparing everything else as a whole. */
function delta(base: Record<string, unknown>, config: Record<string, unknown>, path: string[], out: Required<ConfigDelta>): void {
  for (const key of Object.keys(config)) {
    const a = base[key];
    const b = config[key];
    if (!(key in base)) out.set.push([[...path, key], b]);
    else if (isTree(a) && isTree(b)) delta(a, b, [...path, key], out);
    else if (!sameLeaf(a, b)) out.set.push([[...path, key], b]);
  }
  for (const key of Object.keys(base)) if (!(key in config)) out.unset.push([...path, key]);
}

function configDelta(base: ExperimentConfig, config: ExperimentConfig): ConfigDelta {
  const out = { set: [] as [string[], unknown][], unset: [] as string[][] };
  delta(base as unknown as Record<string, unknown>, config as unknown as Record<string, unknown>, [], out);
  return { ...(out.set.length > 0 ? { set: out.set } : {}), ...(out.unset.length > 0 ? { unset: out.unset } : {}) };
}

/**
 * Deltas already worked out, by config object: configs that never change (the server's are frozen)
 * need theirs once per base. Pass the same memo to every call to use it.
 */
export type ConfigDeltaMemo = WeakMap<ExperimentConfig, { base: ExperimentConfig; delta: ConfigDelta }>;

export function packRunList(runs: readonly RunRecord[], memo?: ConfigDeltaMemo): PackedRunList {
  const baseOf = new Map<string, number>();
  const configBases: ExperimentConfig[] = [];
  const pathSlot = new Map<string, number>();
  const configPaths: string[][] = [];
  const slotOf = (path: string[]) => {
    const key = path.join('\u0000');
    let i = pathSlot.get(key);
    if (i === undefined) {
      i = configPaths.length;
      pathSlot.set(key, i);
      configPaths.push(path);
    }
    return i;
  };
  const configs = runs.map((run): PackedConfig => {
    // The first config of each preset is the base of the others: a sweep's runs differ from it in few settings.
    let base = baseOf.get(run.preset);
    if (base === undefined) {
      base = configBases.length;
      baseOf.set(run.preset, base);
      configBases.push(run.config);
      return { base };
    }
    const baseConfig = configBases[base]!;
    let d = memo?.get(run.config);
    if (d?.base !== baseConfig) {
      d = { base: baseConfig, delta: configDelta(baseConfig, run.config) };
      memo?.set(run.config, d);
    }
    const { set, unset } = d.delta;
    return {
      base,
      ...(set ? { set: set.map(([path, value]): [number, unknown] => [slotOf(path), value]) } : {}),
      ...(unset ? { unset: unset.map(slotOf) } : {}),
    };
  });
  return {
    format: 'runs/1',
    count: runs.length,
    columns: {
      id: column(runs, 'id'),
      name: column(runs, 'name'),
      preset: column(runs, 'preset'),
      status: column(runs, 'status'),
      statusMessage: column(runs, 'statusMessage'),
      backend: column(runs, 'backend'),
      createdAt: column(runs, 'createdAt'),
      startedAt: column(runs, 'startedAt'),
      finishedAt: column(runs, 'finishedAt'),
      datasetName: column(runs, 'datasetName'),
      datasetFingerprint: column(runs, 'datasetFingerprint'),
      notes: column(runs, 'notes'),
      tags: column(runs, 'tags'),
      worker: column(runs, 'worker'),
      step: column(runs, 'step'),
      epoch: column(runs, 'epoch'),
      totalSteps: column(runs, 'totalSteps'),
      imagesPerSec: column(runs, 'imagesPerSec'),
      owner: column(runs, 'owner'),
      sweepId: column(runs, 'sweepId'),
      sweepIndex: column(runs, 'sweepIndex'),
      evaluation: column(runs, 'evaluation'),
    },
    finalTrain: runs.map((r) => lossTriple(r.finalTrain)),
    finalHeldOut: runs.map((r) => lossTriple(r.finalHeldOut)),
    configBases,
    configPaths,
    configs,
  };
}

class PackedListError extends Error {
  constructor(what: string) {
    super(`The run list is malformed: ${what}.`);
  }
}

// Lengths and indexes are checked before they are read, so every read is in range.
const at = <T>(values: readonly T[], i: number): T => values[i] as T;

function unpackColumn<T>(col: Column<T>, count: number, name: string): T[] {
  if ('values' in col) {
    if (col.values.length !== count)
      throw new PackedListError(`column ${name} has ${col.values.length} values for ${count} runs`);
    return col.values;
  }
  if (col.index.length !== count) throw new PackedListError(`column ${name} has ${col.index.length} indexes for ${count} runs`);
  return col.index.map((i) => {
    if (!(i >= 0 && i < col.dict.length)) throw new PackedListError(`column ${name} refers to entry ${i} of ${col.dict.length}`);
    // Dictionary entries are shared by every run that uses them; arrays (tags) are copied so each record owns its own.
    const v = at(col.dict, i);
    return (Array.isArray(v) ? [...(v as unknown[])] : v) as T;
  });
}

/** A deep copy of plain JSON data: configs are small trees of objects, arrays and primitives. */
function copyTree<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyTree) as T;
  if (isTree(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = copyTree(value[key]);
    return out as T;
  }
  return value;
}

function pathAt(paths: readonly string[][], i: number, run: number): string[] {
  const path = paths[i];
  if (path === undefined || path.length === 0)
    throw new PackedListError(`run ${run} refers to setting path ${i} of ${paths.length}`);
  return path;
}

/**
 * A run's config: a new top-level object and new copies of the sections its delta touches; the
 * sections it leaves as in the base are the base's, shared with every other run of that base. Deep
 * copies of 10,000 configs took ~100 ms; the renderer treats run records as values (stores replace
 * them, the form edits copies through setPath), so sharing what no one changes is safe.
 */
function unpackConfig(packed: PackedRunList, run: number): ExperimentConfig {
  const d = at(packed.configs, run);
  const base = packed.configBases[d.base];
  if (base === undefined) throw new PackedListError(`run ${run} refers to config base ${d.base} of ${packed.configBases.length}`);
  const config: Record<string, unknown> = { ...(base as unknown as Record<string, unknown>) };
  if (d.set === undefined && d.unset === undefined) return config as unknown as ExperimentConfig;
  const own = new Set<unknown>([config]);
  const parentOf = (path: string[]): Record<string, unknown> => {
    let node = config;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      if (!isTree(child)) node[key] = {};
      else if (!own.has(child)) node[key] = { ...child };
      node = node[key] as Record<string, unknown>;
      own.add(node);
    }
    return node;
  };
  const last = (path: string[]) => at(path, path.length - 1);
  for (const [i, value] of d.set ?? []) {
    const path = pathAt(packed.configPaths, i, run);
    parentOf(path)[last(path)] = copyTree(value);
  }
  for (const i of d.unset ?? []) {
    const path = pathAt(packed.configPaths, i, run);
    delete parentOf(path)[last(path)];
  }
  return config as unknown as ExperimentConfig;
}

const lossParts = (t: [number, number, number] | null): LossParts | null =>
  t === null ? null : { recon: t[0], kl: t[1], total: t[2] };

export function unpackRunList(packed: PackedRunList): RunRecord[] {
  if (packed.format !== 'runs/1') throw new PackedListError(`unknown format ${String(packed.format)}`);
  const n = packed.count;
  const c = packed.columns;
  const col = <K extends keyof PackedRunList['columns']>(key: K) => unpackColumn(c[key], n, key);
  const id = col('id');
  const name = col('name');
  const preset = col('preset');
  const status = col('status');
  const statusMessage = col('statusMessage');
  const backend = col('backend');
  const createdAt = col('createdAt');
  const startedAt = col('startedAt');
  const finishedAt = col('finishedAt');
  const datasetName = col('datasetName');
  const datasetFingerprint = col('datasetFingerprint');
  const notes = col('notes');
  const tags = col('tags');
  const worker = col('worker');
  const step = col('step');
  const epoch = col('epoch');
  const totalSteps = col('totalSteps');
  const imagesPerSec = col('imagesPerSec');
  const owner = col('owner');
  const sweepId = col('sweepId');
  const sweepIndex = col('sweepIndex');
  const evaluation = col('evaluation');
  if (packed.configs.length !== n || packed.finalTrain.length !== n || packed.finalHeldOut.length !== n)
    throw new PackedListError(`configs or losses do not have ${n} entries`);
  const runs = new Array<RunRecord>(n);
  for (let i = 0; i < n; i++) {
    runs[i] = {
      id: at(id, i),
      name: at(name, i),
      preset: at(preset, i),
      config: unpackConfig(packed, i),
      status: at(status, i),
      statusMessage: at(statusMessage, i),
      backend: at(backend, i),
      createdAt: at(createdAt, i),
      startedAt: at(startedAt, i),
      finishedAt: at(finishedAt, i),
      datasetName: at(datasetName, i),
      datasetFingerprint: at(datasetFingerprint, i),
      notes: at(notes, i),
      tags: at(tags, i),
      worker: at(worker, i),
      step: at(step, i),
      epoch: at(epoch, i),
      totalSteps: at(totalSteps, i),
      finalTrain: lossParts(at(packed.finalTrain, i)),
      finalHeldOut: lossParts(at(packed.finalHeldOut, i)),
      imagesPerSec: at(imagesPerSec, i),
      owner: at(owner, i),
      sweepId: at(sweepId, i),
      sweepIndex: at(sweepIndex, i),
      evaluation: at(evaluation, i),
    };
  }
  return runs;
}
