// Presets: complete configs to start from. `seed-notebook` is the PyTorch notebook the project began
// from (../shared/seed), setting for setting; the test in test/presets.test.ts holds it to that.

import type { ExperimentConfig } from './config.ts';

/**
 * The training controls' defaults: a constant β and learning rate, no free bits, the K-sample ELBO,
 * no early stopping and no clipping, i.e. training exactly as before the controls existed.
 */
export const LOSS_CONTROL_DEFAULTS = {
  klSchedule: 'constant',
  klWarmupEpochs: 10,
  klCycles: 4,
  klCycleRise: 0.5,
  freeBits: 0,
  objective: 'elbo',
} as const satisfies Partial<ExperimentConfig['loss']>;

export const OPTIM_CONTROL_DEFAULTS = {
  lrSchedule: 'constant',
  lrStepEpochs: 10,
  lrFactor: 0.5,
  lrPatience: 2,
  lrMin: 0,
  earlyStopPatience: 0,
  clipNorm: 0,
} as const satisfies Partial<ExperimentConfig['optim']>;

export const DEFAULT_CONFIG: ExperimentConfig = {
  preset: 'custom',
  data: {
    source: 'builtin-mnist',
    path: '',
    labelsPath: '',
    labels: [],
    heldOutFraction: 0.1,
    limit: 0,
    imageHeight: 28,
    imageWidth: 28,
    testPath: '',
    binarization: 'none',
    channels: 1,
    fit: 'crop',
    badImages: 'refuse',
    validationFraction: 0.1,
  },
  model: {
    latentDim: 16,
    encoder: 'mlp',
    encoderHidden: [512, 256],
    decoder: 'mlp',
    decoderHidden: [256, 512],
    deconvChannels: [32, 16],
    sigma: 'logvar',
    init: 'glorot',
    conditional: 'none',
    convChannels: [32, 64, 128, 256],
  },
  loss: { likelihood: 'bernoulli', samples: 1, beta: 1, ...LOSS_CONTROL_DEFAULTS },
  optim: { optimizer: 'adam', learningRate: 1e-3, batchSize: 64, epochs: 5, ...OPTIM_CONTROL_DEFAULTS },
  run: {
    name: '',
    seed: 1,
    backend: 'auto',
    previewEvery: 50,
    checkpointEvery: 0,
    logEvery: 1,
    // Cheap enough that a quick run stays quick; `npm run runs -- eval` goes to k = 5,000.
    evalSamples: 100,
    evalImages: 1000,
    threads: 0,
    threading: 'data',
  },
};

export interface Preset {
  id: string;
  title: string;
  description: string;
  config: ExperimentConfig;
}

const seedNotebook: ExperimentConfig = {
  preset: 'seed-notebook',
  data: {
    ...DEFAULT_CONFIG.data,
    // The notebook keeps only the digit 5 "to speed up the convergence of the model": the 5,421 fives
    // of MNIST's training set, all trained on. The notebook evaluates nothing; the app measures
    // generalisation on the test split's 892 fives (the held-out share only sizes them under a limit).
    labels: [5],
    heldOutFraction: 0.1,
  },
  model: {
    ...DEFAULT_CONFIG.model,
    latentDim: 5,
    encoder: 'seed-conv',
    decoder: 'seed',
    sigma: 'abs',
    init: 'torch',
  },
  loss: { likelihood: 'gaussian', samples: 3, beta: 1, ...LOSS_CONTROL_DEFAULTS },
  optim: { optimizer: 'adam', learningRate: 0.1, batchSize: 1, epochs: 3, ...OPTIM_CONTROL_DEFAULTS },
  // Batch 1 makes thousands of steps an epoch: preview and checkpoint on a step budget.
  run: { ...DEFAULT_CONFIG.run, previewEvery: 250, checkpointEvery: 1000, logEvery: 10 },
};

const mlpBernoulli: ExperimentConfig = {
  preset: 'mlp-bernoulli',
  data: { ...DEFAULT_CONFIG.data },
  model: {
    ...DEFAULT_CONFIG.model,
    latentDim: 20,
    encoder: 'mlp',
    encoderHidden: [400],
    decoder: 'mlp',
    decoderHidden: [400],
    sigma: 'logvar',
    init: 'torch',
  },
  loss: { likelihood: 'bernoulli', samples: 1, beta: 1, ...LOSS_CONTROL_DEFAULTS },
  optim: { optimizer: 'adam', learningRate: 1e-3, batchSize: 128, epochs: 10, ...OPTIM_CONTROL_DEFAULTS },
  run: { ...DEFAULT_CONFIG.run, previewEvery: 20 },
};

// The PyTorch examples VAE (examples/vae/main.py: fc1 784-400 ReLU, fc21/fc22 400-20 mean and
// log-variance, fc3 20-400 ReLU, fc4 400-784 sigmoid, summed BCE, Adam 1e-3, batch 128, 10 epochs,
// PyTorch's default init) set up as papers measure it: the standard 60,000/10,000 split, pixels
// binarized afresh each draw, and NLL_1000 on the whole test set at the end. The examples script
// trains on grey levels; binarizing is what makes its Bernoulli value a normalised log-likelihood.
const paperMnist: ExperimentConfig = {
  ...mlpBernoulli,
  preset: 'paper-mnist',
  data: { ...DEFAULT_CONFIG.data, source: 'builtin-mnist', binarization: 'dynamic' },
  // 469 steps an epoch: a preview every 100 keeps the run page alive without costing training time.
  run: { ...mlpBernoulli.run, previewEvery: 100, evalSamples: 1000, evalImages: 10000 },
};

const quick: ExperimentConfig = {
  preset: 'quick',
  data: { ...DEFAULT_CONFIG.data },
  model: {
    ...DEFAULT_CONFIG.model,
    latentDim: 16,
    encoder: 'mlp',
    encoderHidden: [256],
    decoder: 'mlp',
    decoderHidden: [256],
    sigma: 'logvar',
    init: 'glorot',
  },
  loss: { likelihood: 'bernoulli', samples: 1, beta: 1, ...LOSS_CONTROL_DEFAULTS },
  optim: { optimizer: 'adam', learningRate: 2e-3, batchSize: 64, epochs: 3, ...OPTIM_CONTROL_DEFAULTS },
  run: { ...DEFAULT_CONFIG.run, previewEvery: 20 },
};

/**
 * 64x64 RGB images (faces, products, sprites): a DCGAN-style model, four stride-2 4x4 convolutions
 * (32-64-128-256) down to a 4x4 map and four transposed convolutions mirroring them back up. Its data
 * must come from an image folder (issue 11), the one source with colour: set data.source and
 * data.path. Bernoulli likelihood per channel value; Gaussian (loss.likelihood) works as well.
 */
export const CONV64_CONFIG: ExperimentConfig = {
  preset: 'conv-64',
  data: { ...DEFAULT_CONFIG.data, source: 'folder', imageHeight: 64, imageWidth: 64, channels: 3 },
  model: {
    ...DEFAULT_CONFIG.model,
    latentDim: 64,
    encoder: 'conv',
    convChannels: [32, 64, 128, 256],
    decoder: 'deconv',
    deconvChannels: [256, 128, 64, 32],
    sigma: 'logvar',
    init: 'glorot',
  },
  loss: { likelihood: 'bernoulli', samples: 1, beta: 1, ...LOSS_CONTROL_DEFAULTS },
  optim: { optimizer: 'adam', learningRate: 5e-4, batchSize: 64, epochs: 20, ...OPTIM_CONTROL_DEFAULTS },
  // 12,288 values an image: a thousand images at k = 100 is a long evaluation, 200 a short one.
  run: { ...DEFAULT_CONFIG.run, previewEvery: 50, evalImages: 200 },
};

export const CONV64_PRESET: Preset = {
  id: 'conv-64',
  title: 'Conv 64x64 colour',
  description: 'A DCGAN-style conv VAE for 64x64 RGB images from a folder: four stride-2 conv blocks each way.',
  config: CONV64_CONFIG,
};

export const PRESETS: readonly Preset[] = [
  {
    id: 'quick',
    title: 'Quick',
    description: 'A small MLP VAE on all digits: clear reconstructions in about a minute.',
    config: quick,
  },
  {
    id: 'seed-notebook',
    title: 'Seed notebook',
    description: 'The original PyTorch notebook: conv encoder, LayerNorm decoder, |h| sigma, digit 5, batch 1.',
    config: seedNotebook,
  },
  {
    id: 'mlp-bernoulli',
    title: 'MLP Bernoulli',
    description: 'The classic PyTorch examples VAE: 784-400-20, log-variance, Bernoulli likelihood.',
    config: mlpBernoulli,
  },
  {
    id: 'paper-mnist',
    title: 'Paper MNIST',
    description:
      'The 784-400-20 VAE as papers measure it: standard split, dynamic binarization, NLL_1000 on all 10,000 test digits.',
    config: paperMnist,
  },
  CONV64_PRESET,
];

export function findPreset(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
