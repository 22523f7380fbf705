// The image shape an export's models take and produce ([N, H, W, C]), as the manifest states it and
// as an import checks it: the manifest's statement against its config, and the encoder's model.json
// input against both, so a mismatch is refused naming what differs rather than as a topology path.

import type { ExperimentConfig } from '../../shared/config.ts';
import { channelsOf } from '../../shared/data-split.ts';
import type { ModelJsonFile } from './models.ts';

export interface ExportImageShape {
  height: number;
  width: number;
  /** 1: grayscale; 3: RGB, interleaved per pixel (HWC). */
  channels: 1 | 3;
}

export function imageShapeOfConfig(config: ExperimentConfig): ExportImageShape {
  return { height: config.data.imageHeight, width: config.data.imageWidth, channels: channelsOf(config.data) };
}

export const describeShape = (s: ExportImageShape): string => `[N,${s.height},${s.width},${s.channels}]`;

/** The manifest's description of the two models, stating the image shape (and a CVAE's label input, `withLabels`). */
export function manifestModels(config: ExperimentConfig, paths: { encoder: string; decoder: string }, withLabels = '') {
  const shape = describeShape(imageShapeOfConfig(config));
  const L = config.model.latentDim;
  const colour = channelsOf(config.data) === 3 ? ' (RGB, channels last)' : '';
  return {
    encoder: {
      path: paths.encoder,
      input: `images ${shape}, pixels 0..1${colour}${withLabels}`,
      output: `[mean [N,${L}], sigma head [N,${L}]]; sigma parametrisation "${config.model.sigma}"`,
    },
    decoder: { path: paths.decoder, input: `z [N,${L}]${withLabels}`, output: `pixel means ${shape}, 0..1${colour}` },
  };
}

/**
 * The manifest's `image` field, checked: absent (exports made before it existed, all grayscale)
 * reads as what the config says. Returns the problem as text for the manifest's checker to report.
 */
export function parseManifestImage(value: unknown): ExportImageShape | null | string {
  if (value === undefined) return null;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'image must be an object';
  const { height, width, channels } = value as Record<string, unknown>;
  const whole = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (!whole(height) || !whole(width)) return 'image.height and image.width must be whole numbers of at least 1';
  if (channels !== 1 && channels !== 3) return 'image.channels must be 1 or 3';
  return { height: height as number, width: width as number, channels };
}

/** The encoder's image input shape as its model.json declares it ([H, W, C]), or null when it declares none. */
function declaredInput(file: ModelJsonFile): number[] | null {
  const config = file.modelTopology.config as { layers?: { class_name?: string; config?: { batch_input_shape?: unknown } }[] };
  // A conditional VAE's encoder has a second input, the label [N, classes]: the image is the 4-D one.
  for (const layer of config?.layers ?? []) {
    const shape = layer.class_name === 'InputLayer' ? layer.config?.batch_input_shape : undefined;
    if (Array.isArray(shape) && shape.length === 4) return shape.slice(1) as number[];
  }
  return null;
}

/**
 * What is wrong with an export's image shape, or null: the manifest's `image` must be the config's,
 * and the encoder's model.json must take the config's images.
 */
export function imageShapeProblem(
  config: ExperimentConfig,
  stated: ExportImageShape | null,
  encoder: ModelJsonFile,
): { file: 'manifest' | 'encoder'; message: string } | null {
  const expected = imageShapeOfConfig(config);
  if (stated && (stated.height !== expected.height || stated.width !== expected.width || stated.channels !== expected.channels))
    return {
      file: 'manifest',
      message: `image says the models take ${describeShape(stated)} images, but its config (data.imageHeight, data.imageWidth, data.channels) builds ${describeShape(expected)}`,
    };
  const declared = declaredInput(encoder);
  if (declared) {
    const [h, w, c] = declared;
    if (h !== expected.height || w !== expected.width || c !== expected.channels)
      return {
        file: 'encoder',
        message: `the encoder takes images [N,${h},${w},${c}], but the manifest's config describes ${describeShape(expected)} (a ${c === 3 ? 'colour' : 'grayscale'} model cannot be imported as a ${expected.channels === 3 ? 'colour' : 'grayscale'} one)`,
      };
  }
  return null;
}
