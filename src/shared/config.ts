// The experiment configuration: its type, its defaults, and one table of field specs that drives
// validation, `--set key=value` parsing in the CLI, and (later) the generated form in the renderer.
// Plain TypeScript: this file runs in Node, the browser and workers alike.

import { watchesValidation } from './data-split.ts';

export type EncoderKind = 'seed-conv' | 'mlp' | 'conv';
export type DecoderKind = 'seed' | 'mlp' | 'deconv';
export type SigmaKind = 'abs' | 'softplus' | 'logvar';
export type LikelihoodKind = 'gaussian' | 'bernoulli';
export type OptimizerKind = 'adam' | 'sgd' | 'rmsprop';
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type DataSource = 'builtin-mnist' | 'csv' | 'idx' | 'folder';
/** How an image folder's pictures become the training size: keep the aspect and centre-crop, or pad. */
export type FitKind = 'crop' | 'pad';
/** What an image folder's unreadable or corrupt files do: left out (counted, listed) or refuse the folder. */
export type BadImagesKind = 'skip' | 'refuse';
/**
 * How pixels in 0..1 become what the model sees: `none` keeps the intensities; `dynamic` draws each
 * pixel as Bernoulli(intensity) every time an image is drawn for training; `static` draws once.
 */
export type BinarizationKind = 'none' | 'dynamic' | 'static';
/** How β grows over training (Fu et al. 2019 for `cyclical`); `constant` keeps `loss.beta` throughout. */
export type KlSchedule = 'constant' | 'linear' | 'cyclical';
/** `elbo`: the K-sample average of the ELBO; `iwae`: the K importance samples inside the log (Burda et al.). */
export type ObjectiveKind = 'elbo' | 'iwae';
export type LrSchedule = 'constant' | 'step' | 'exponential' | 'cosine' | 'plateau';
/** `torch` reproduces PyTorch's default Linear/Conv init (uniform ±1/sqrt(fan_in)); `glorot` is Keras'. */
export type InitKind = 'torch' | 'glorot';
/** `label`: a conditional VAE, its encoder and decoder both given the image's one-hot label. */
export type ConditionalKind = 'none' | 'label';
/**
 * How a run's threads share its work: `data` splits each batch into one share per thread (each
 * thread computes its share's gradients, summed in a fixed order before one optimizer step);
 * `kernels` runs the whole batch through the wasm backend's XNNPACK thread pool.
 */
export type ThreadingKind = 'data' | 'kernels';

export interface DataConfig {
  source: DataSource;
  /** CSV file, IDX images file (raw or .gz), or a folder of images. Unused for builtin-mnist. */
  path: string;
  /** IDX labels file; empty means "look beside the images file by the usual name". */
  labelsPath: string;
  /** Keep only these digits/classes; empty keeps all. */
  labels: number[];
  /** Fraction of the (filtered) images held out for evaluation, chosen deterministically from the seed. */
  heldOutFraction: number;
  /** Cap on the number of images used (0 = all); handy for quick experiments and tests. */
  limit: number;
  imageHeight: number;
  imageWidth: number;
  /**
   * The data set's own test split: a second CSV file, an IDX test images file (its labels found
   * beside it), or a second image folder (same classes, decoded with the same settings). Empty:
   * none, so a share of the training images is held out. Unused for builtin-mnist, which always
   * has its test split.
   */
  testPath: string;
  binarization: BinarizationKind;
  /**
   * 1 (grayscale) or 3 (RGB, interleaved HWC). CSV, IDX and built-in MNIST are grayscale; colour
   * comes from image folders (issue 11). Runs stored before it existed are grayscale (`channelsOf`).
   */
  channels: number;
  /** Image folders: how each picture is brought to imageHeight x imageWidth. */
  fit: FitKind;
  /** Image folders: what an unreadable or corrupt file does. */
  badImages: BadImagesKind;
  /**
   * With a test split and early stopping or reduce-on-plateau on: the seeded share of the training
   * images carved off for them to watch, so no training decision looks at the test split. Unused
   * otherwise (see `validationShare`).
   */
  validationFraction: number;
}

export interface ModelConfig {
  latentDim: number;
  encoder: EncoderKind;
  /** Hidden sizes of the `mlp` encoder. */
  encoderHidden: number[];
  decoder: DecoderKind;
  /** Hidden sizes of the `mlp` decoder. */
  decoderHidden: number[];
  /**
   * Channels of the `deconv` decoder's feature maps, coarsest first: one stride-2 transposed
   * convolution per entry doubles the size, so [32, 16] starts at 1/4 resolution (the output layer
   * has the image's channels).
   */
  deconvChannels: number[];
  sigma: SigmaKind;
  init: InitKind;
  /**
   * `label`: encoder and decoder conditioned on the one-hot label (a conditional VAE); the number of
   * classes comes from the data and is fixed in the weights' shapes. Absent from older runs: `none`.
   */
  conditional: ConditionalKind;
  /** Filters of the `conv` encoder's stride-2 4x4 convolutions, one block per entry, each halving the size. */
  convChannels: number[];
}

export interface LossConfig {
  likelihood: LikelihoodKind;
  /** Monte Carlo samples of z per image. */
  samples: number;
  /** Weight on the KL term in the optimised objective (1 = the ELBO); a KL schedule scales it. */
  beta: number;
  klSchedule: KlSchedule;
  /** `linear`: epochs over which β rises from 0 to `beta`. */
  klWarmupEpochs: number;
  /** `cyclical`: how many cycles the run's steps are split into. */
  klCycles: number;
  /** `cyclical`: the fraction of each cycle over which β rises (it stays at `beta` for the rest). */
  klCycleRise: number;
  /** Free bits: a floor in nats on each latent dimension's batch-mean KL in the objective (0 = off). */
  freeBits: number;
  objective: ObjectiveKind;
}

export interface OptimConfig {
  optimizer: OptimizerKind;
  learningRate: number;
  batchSize: number;
  epochs: number;
  lrSchedule: LrSchedule;
  /** `step`: epochs between reductions. */
  lrStepEpochs: number;
  /** `step`, `plateau`: the factor applied at each reduction; `exponential`: the factor per epoch. */
  lrFactor: number;
  /** `plateau`: epochs without improvement of the held-out negative ELBO before a reduction. */
  lrPatience: number;
  /** `cosine`: the rate reached at the last step; `plateau`: the rate never goes below it. */
  lrMin: number;
  /** Stop when the held-out negative ELBO has not improved for this many epochs (0 = off). */
  earlyStopPatience: number;
  /** Scale gradients down so their global L2 norm is at most this (0 = off). */
  clipNorm: number;
}

export interface RunConfig {
  name: string;
  seed: number;
  backend: BackendChoice;
  /** Emit a reconstruction preview every N steps (0 = only at epoch ends). */
  previewEvery: number;
  /** Save a checkpoint every N steps (0 = only at epoch ends). */
  checkpointEvery: number;
  /** Log a per-step metric every N steps (1 = every step). */
  logEvery: number;
  /** Importance samples k of the NLL_k evaluation at the end of training (0 = none). */
  evalSamples: number;
  /** Images that evaluation uses at most (the first of the evaluation set). */
  evalImages: number;
  /**
   * Compute threads of the run (0 = auto: the run's share of the cores, all of them when it trains
   * alone); `threading` says how they share the work. The same count gives the same losses, another
   * the same within float rounding. Absent in configs stored before it: auto.
   */
  threads: number;
  /**
   * How the run's threads are used (see ThreadingKind). A run on one thread trains the same either
   * way. Absent in configs stored before it: `kernels`, what they trained with.
   */
  threading: ThreadingKind;
}

export interface ExperimentConfig {
  preset: string;
  data: DataConfig;
  model: ModelConfig;
  loss: LossConfig;
  optim: OptimConfig;
  run: RunConfig;
}

export type FieldGroup = 'data' | 'model' | 'loss' | 'optim' | 'run';
/** Compile-time check: the field groups are exactly the config's sections (all but `preset`). */
const _groupsAreSections: [FieldGroup] extends [Exclude<keyof ExperimentConfig, 'preset'>]
  ? [Exclude<keyof ExperimentConfig, 'preset'>] extends [FieldGroup]
    ? true
    : false
  : false = true;

/** Every setting's dotted path, `section.key`, derived from ExperimentConfig. */
export type SettingPath = { [G in FieldGroup]: `${G}.${keyof ExperimentConfig[G] & string}` }[FieldGroup];
/** The type of the setting at `P`. */
export type SettingValue<P extends SettingPath> = P extends `${infer G extends FieldGroup}.${infer K}`
  ? K extends keyof ExperimentConfig[G]
    ? ExperimentConfig[G][K]
    : never
  : never;

interface FieldBase {
  /** Dotted path into ExperimentConfig, e.g. `optim.learningRate`. */
  path: SettingPath;
  label: string;
  help: string;
  /** Hide the field in forms when it does not apply (it is still validated). */
  visibleWhen?: (c: ExperimentConfig) => boolean;
  /** Shown in the form's "Schedules & regularisation" section rather than with its group. */
  controls?: true;
}
export interface NumberField extends FieldBase {
  kind: 'number' | 'integer';
  min: number;
  max: number;
  /** `min` itself is not allowed (e.g. learning rate > 0). */
  exclusiveMin?: boolean;
}
export interface EnumField extends FieldBase {
  kind: 'enum';
  options: readonly string[];
}
export interface IntListField extends FieldBase {
  kind: 'intList';
  min: number;
  max: number;
  minLength: number;
  maxLength: number;
}
export interface StringField extends FieldBase {
  kind: 'string';
  maxLength: number;
}
export type FieldSpec = NumberField | EnumField | IntListField | StringField;

/**
 * The spec a setting must have, by its value's type: numbers get number fields, number lists
 * int-list fields, free text a string field, and a union of literals an enum of exactly those.
 */
type SpecFor<P extends SettingPath, V = SettingValue<P>> = { path: P } & ([V] extends [number]
  ? NumberField
  : [V] extends [number[]]
    ? IntListField
    : [string] extends [V]
      ? StringField
      : Omit<EnumField, 'options'> & { options: readonly V[] });
/** A field spec of section G, checked against its setting's type. */
type GroupFieldSpec<G extends FieldGroup> = { [P in SettingPath & `${G}.${string}`]: SpecFor<P> }[SettingPath & `${G}.${string}`];

const fileSource = (c: ExperimentConfig) => c.data.source !== 'builtin-mnist';
const folderSource = (c: ExperimentConfig) => c.data.source === 'folder';

export const FIELD_GROUPS: { [G in FieldGroup]: { label: string; fields: GroupFieldSpec<G>[] } } = {
  data: {
    label: 'Data',
    fields: [
      {
        path: 'data.source',
        kind: 'enum',
        options: ['builtin-mnist', 'csv', 'idx', 'folder'],
        label: 'Data set',
        help: 'Built-in MNIST (the standard split: 60,000 training and 10,000 test digits), a Kaggle mnist-in-csv file, IDX files (MNIST, Fashion-MNIST), or a folder of PNG, JPEG or WebP images (sub-folders are classes).',
      },
      {
        path: 'data.path',
        kind: 'string',
        maxLength: 4096,
        label: 'File or folder',
        visibleWhen: fileSource,
        help: 'CSV file, IDX images file (raw or gzipped), or a folder of images searched recursively.',
      },
      {
        path: 'data.labelsPath',
        kind: 'string',
        maxLength: 4096,
        label: 'Labels file',
        visibleWhen: (c) => c.data.source === 'idx',
        help: 'IDX labels file; leave empty to find it beside the images file.',
      },
      {
        path: 'data.testPath',
        kind: 'string',
        maxLength: 4096,
        label: 'Test split',
        visibleWhen: fileSource,
        help: 'The test split, evaluated instead of a held-out share: a second CSV, an IDX test images file (labels found beside it), or a second image folder with the same class sub-folders. Empty: none.',
      },
      {
        path: 'data.labels',
        kind: 'intList',
        min: 0,
        max: 255,
        minLength: 0,
        maxLength: 256,
        label: 'Only labels',
        help: 'Keep only images with these labels (empty: all).',
      },
      {
        path: 'data.heldOutFraction',
        kind: 'number',
        min: 0,
        max: 0.5,
        label: 'Held-out fraction',
        help: 'Share of images kept out of training to measure generalisation. With a test split, evaluation uses it instead, and this share only sizes it under a limit.',
      },
      {
        path: 'data.limit',
        kind: 'integer',
        min: 0,
        max: 10_000_000,
        label: 'Use at most',
        help: 'Cap on images used, training and evaluation together; 0 for all.',
      },
      { path: 'data.imageHeight', kind: 'integer', min: 8, max: 256, label: 'Image height', help: 'Pixels.' },
      { path: 'data.imageWidth', kind: 'integer', min: 8, max: 256, label: 'Image width', help: 'Pixels.' },
      {
        path: 'data.binarization',
        kind: 'enum',
        options: ['none', 'dynamic', 'static'],
        label: 'Binarization',
        help: 'none: pixels 0..1; dynamic: each pixel drawn as Bernoulli(intensity) every time an image is drawn; static: drawn once. Evaluation images are drawn once, with a fixed seed.',
      },
      {
        path: 'data.channels',
        kind: 'integer',
        min: 1,
        max: 3,
        label: 'Channels',
        visibleWhen: folderSource,
        help: 'Greyscale (1): one value a pixel; Colour (3): red, green and blue. Images are converted as they are decoded.',
      },
      {
        path: 'data.fit',
        kind: 'enum',
        options: ['crop', 'pad'],
        label: 'Fit',
        visibleWhen: folderSource,
        help: 'crop: keep the aspect ratio and cut the centre to the image size; pad: keep the whole picture, padded with black.',
      },
      {
        path: 'data.badImages',
        kind: 'enum',
        options: ['skip', 'refuse'],
        label: 'Unreadable images',
        visibleWhen: folderSource,
        help: 'skip: leave them out (counted and listed with the run); refuse: the folder is refused, naming the first one.',
      },
      {
        path: 'data.validationFraction',
        kind: 'number',
        min: 0,
        max: 0.5,
        label: 'Validation fraction',
        visibleWhen: watchesValidation,
        help: 'Share of the training images kept out of training for early stopping and reduce-on-plateau to watch, so they never look at the test split. Used only with a test split and one of them on.',
      },
    ],
  },
  model: {
    label: 'Model',
    fields: [
      { path: 'model.latentDim', kind: 'integer', min: 1, max: 512, label: 'Latent size', help: 'Dimensions of z.' },
      {
        path: 'model.encoder',
        kind: 'enum',
        options: ['seed-conv', 'mlp', 'conv'],
        label: 'Encoder',
        help: "seed-conv: the notebook's two conv layers and two dense layers; mlp: dense layers; conv: stride-2 convolutions (DCGAN-style).",
      },
      {
        path: 'model.encoderHidden',
        kind: 'intList',
        min: 1,
        max: 8192,
        minLength: 1,
        maxLength: 8,
        label: 'Encoder hidden sizes',
        visibleWhen: (c) => c.model.encoder === 'mlp',
        help: 'Dense layer widths.',
      },
      {
        path: 'model.decoder',
        kind: 'enum',
        options: ['seed', 'mlp', 'deconv'],
        label: 'Decoder',
        help: 'seed: dense to pixels, LayerNorm, sigmoid; mlp: dense layers; deconv: transposed convolutions.',
      },
      {
        path: 'model.decoderHidden',
        kind: 'intList',
        min: 1,
        max: 8192,
        minLength: 1,
        maxLength: 8,
        label: 'Decoder hidden sizes',
        visibleWhen: (c) => c.model.decoder === 'mlp',
        help: 'Dense layer widths.',
      },
      {
        path: 'model.deconvChannels',
        kind: 'intList',
        min: 1,
        max: 512,
        minLength: 1,
        maxLength: 6,
        label: 'Deconv channels',
        visibleWhen: (c) => c.model.decoder === 'deconv',
        help: 'Channels of the feature maps, coarsest first; each entry is a stride-2 transposed convolution doubling the size (two: from 1/4 resolution).',
      },
      {
        path: 'model.sigma',
        kind: 'enum',
        options: ['abs', 'softplus', 'logvar'],
        label: 'Sigma',
        help: "How the encoder's second head becomes a standard deviation: |h| (the notebook), softplus(h), or exp(h/2) of a log-variance.",
      },
      {
        path: 'model.init',
        kind: 'enum',
        options: ['torch', 'glorot'],
        label: 'Weight init',
        help: "torch: PyTorch's default uniform ±1/sqrt(fan_in); glorot: Keras' default.",
      },
      {
        path: 'model.conditional',
        kind: 'enum',
        options: ['none', 'label'],
        label: 'Conditioned on',
        help: 'label: a conditional VAE. Encoder and decoder also get the one-hot label, so the decoder draws the digit you ask for; needs labelled data.',
      },
      {
        path: 'model.convChannels',
        kind: 'intList',
        min: 1,
        max: 512,
        minLength: 1,
        maxLength: 6,
        label: 'Conv channels',
        visibleWhen: (c) => c.model.encoder === 'conv',
        help: 'Filters of each stride-2 4x4 convolution, finest first; each halves the image size.',
      },
    ],
  },
  loss: {
    label: 'Loss',
    fields: [
      {
        path: 'loss.likelihood',
        kind: 'enum',
        options: ['gaussian', 'bernoulli'],
        label: 'Likelihood',
        help: 'gaussian: 0.5 x summed squared error (the notebook); bernoulli: binary cross-entropy on logits.',
      },
      {
        path: 'loss.samples',
        kind: 'integer',
        min: 1,
        max: 64,
        label: 'Samples (K)',
        help: 'Monte Carlo samples of z per image.',
      },
      { path: 'loss.beta', kind: 'number', min: 0, max: 1000, label: 'Beta', help: 'Weight on the KL term.' },
      {
        path: 'loss.klSchedule',
        kind: 'enum',
        options: ['constant', 'linear', 'cyclical'],
        label: 'KL schedule',
        controls: true,
        help: 'How β reaches Beta: at once, a linear warm-up, or cycles (Fu et al. 2019).',
      },
      {
        path: 'loss.klWarmupEpochs',
        kind: 'number',
        min: 0,
        max: 10_000,
        exclusiveMin: true,
        label: 'Warm-up epochs',
        controls: true,
        visibleWhen: (c) => c.loss.klSchedule === 'linear',
        help: 'β rises from 0 to Beta over these epochs, step by step.',
      },
      {
        path: 'loss.klCycles',
        kind: 'integer',
        min: 1,
        max: 10_000,
        label: 'Cycles',
        controls: true,
        visibleWhen: (c) => c.loss.klSchedule === 'cyclical',
        help: "The run's steps split into this many cycles.",
      },
      {
        path: 'loss.klCycleRise',
        kind: 'number',
        min: 0,
        max: 1,
        exclusiveMin: true,
        label: 'Rising fraction',
        controls: true,
        visibleWhen: (c) => c.loss.klSchedule === 'cyclical',
        help: 'Share of each cycle over which β rises to Beta.',
      },
      {
        path: 'loss.freeBits',
        kind: 'number',
        min: 0,
        max: 100,
        label: 'Free bits (nats)',
        controls: true,
        help: "Floor on each dimension's KL in the objective (Kingma et al. 2016); 0: off.",
      },
      {
        path: 'loss.objective',
        kind: 'enum',
        options: ['elbo', 'iwae'],
        label: 'Objective',
        controls: true,
        help: 'IWAE puts the K samples inside the log (Burda et al.).',
      },
    ],
  },
  optim: {
    label: 'Optimisation',
    fields: [
      { path: 'optim.optimizer', kind: 'enum', options: ['adam', 'sgd', 'rmsprop'], label: 'Optimizer', help: '' },
      { path: 'optim.learningRate', kind: 'number', min: 0, max: 10, exclusiveMin: true, label: 'Learning rate', help: '' },
      { path: 'optim.batchSize', kind: 'integer', min: 1, max: 4096, label: 'Batch size', help: '' },
      { path: 'optim.epochs', kind: 'integer', min: 1, max: 10_000, label: 'Epochs', help: '' },
      {
        path: 'optim.lrSchedule',
        kind: 'enum',
        options: ['constant', 'step', 'exponential', 'cosine', 'plateau'],
        label: 'LR schedule',
        controls: true,
        help: 'Step, exponential and plateau multiply by the factor; cosine falls to the minimum.',
      },
      {
        path: 'optim.lrStepEpochs',
        kind: 'integer',
        min: 1,
        max: 10_000,
        label: 'Step every (epochs)',
        controls: true,
        visibleWhen: (c) => c.optim.lrSchedule === 'step',
        help: 'Epochs between reductions.',
      },
      {
        path: 'optim.lrFactor',
        kind: 'number',
        min: 0,
        max: 1,
        exclusiveMin: true,
        label: 'LR factor',
        controls: true,
        visibleWhen: (c) => ['step', 'exponential', 'plateau'].includes(c.optim.lrSchedule),
        help: 'Multiplier at each reduction (every epoch for exponential).',
      },
      {
        path: 'optim.lrPatience',
        kind: 'integer',
        min: 0,
        max: 10_000,
        label: 'Plateau patience',
        controls: true,
        visibleWhen: (c) => c.optim.lrSchedule === 'plateau',
        help: 'Epochs without a better held-out −ELBO before a reduction.',
      },
      {
        path: 'optim.lrMin',
        kind: 'number',
        min: 0,
        max: 10,
        label: 'Minimum LR',
        controls: true,
        visibleWhen: (c) => c.optim.lrSchedule === 'cosine' || c.optim.lrSchedule === 'plateau',
        help: "Cosine's rate at the last step; plateau's floor.",
      },
      {
        path: 'optim.earlyStopPatience',
        kind: 'integer',
        min: 0,
        max: 10_000,
        label: 'Early stopping patience',
        controls: true,
        help: 'Epochs without a better held-out −ELBO before stopping; 0: off.',
      },
      {
        path: 'optim.clipNorm',
        kind: 'number',
        min: 0,
        max: 1_000_000,
        label: 'Clip gradient norm',
        controls: true,
        help: 'Largest global gradient norm; 0: off.',
      },
    ],
  },
  run: {
    label: 'Run',
    fields: [
      { path: 'run.name', kind: 'string', maxLength: 200, label: 'Name', help: 'Empty: named after the preset and time.' },
      {
        path: 'run.seed',
        kind: 'integer',
        min: 0,
        max: 2 ** 31 - 1,
        label: 'Seed',
        help: 'Fixes weights, data order, the split and the noise.',
      },
      {
        path: 'run.backend',
        kind: 'enum',
        options: ['auto', 'tensorflow', 'wasm', 'cpu'],
        label: 'Backend',
        help: 'auto: tensorflow (native) if installed, else wasm, else cpu.',
      },
      {
        path: 'run.previewEvery',
        kind: 'integer',
        min: 0,
        max: 1_000_000,
        label: 'Preview every (steps)',
        help: 'Reconstruction previews; 0: at epoch ends only.',
      },
      {
        path: 'run.checkpointEvery',
        kind: 'integer',
        min: 0,
        max: 10_000_000,
        label: 'Checkpoint every (steps)',
        help: 'A kill loses at most this much work; 0: at epoch ends only.',
      },
      {
        path: 'run.logEvery',
        kind: 'integer',
        min: 1,
        max: 100_000,
        label: 'Log every (steps)',
        help: 'Per-step metrics resolution.',
      },
      {
        path: 'run.evalSamples',
        kind: 'integer',
        min: 0,
        max: 5000,
        label: 'Final NLL samples (k)',
        help: 'Importance samples per image of the NLL_k evaluated when training ends; 0: none.',
      },
      {
        path: 'run.evalImages',
        kind: 'integer',
        min: 1,
        max: 1_000_000,
        label: 'Final NLL images',
        visibleWhen: (c) => c.run.evalSamples > 0,
        help: 'Evaluation images used at most (the held-out set today).',
      },
      {
        path: 'run.threads',
        kind: 'integer',
        min: 0,
        max: 8,
        label: 'Threads',
        help: "0: auto (the run's share of the cores). The same count gives the same losses; another count, the same within float rounding.",
      },
      {
        path: 'run.threading',
        kind: 'enum',
        options: ['data', 'kernels'],
        label: 'Threading',
        help: 'Split the batch: each thread trains on a share of it (batches of 16 or more, without free bits). Split each product: the threads share every matrix product and convolution.',
      },
    ],
  },
};

export const FIELDS: FieldSpec[] = Object.values(FIELD_GROUPS).flatMap((g): FieldSpec[] => g.fields);
const FIELD_BY_PATH = new Map<string, FieldSpec>(FIELDS.map((f) => [f.path, f]));

export function fieldSpec(path: string): FieldSpec | undefined {
  return FIELD_BY_PATH.get(path);
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    // Own keys only, so a path can never reach a prototype's members.
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Returns a copy of `obj` with `path` set to `value` (intermediate objects copied, not mutated). */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const [head = '', ...rest] = path.split('.');
  const base = (obj && typeof obj === 'object' ? obj : {}) as Record<string, unknown>;
  return {
    ...base,
    [head]: rest.length === 0 ? value : setPath(base[head], rest.join('.'), value),
  } as T;
}
