// Makes an image folder to test and measure with, encoded by sharp (nothing is downloaded): classes
// of simple shapes (discs, squares, stripes, ...) in class folders with nested sub-folders, as PNG
// and JPEG, grayscale and colour, of assorted sizes and aspects, all from a seed.
//
//   npx tsx scripts/make-image-folder.ts DIR [--count N] [--classes K] [--size S] [--flat] [--seed N] [--by-class]
//
// --size S makes every image S x S (the benchmark's case); otherwise sizes vary from 20 to 48.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { makeRng } from '../src/shared/random.ts';

export const SHAPE_CLASSES = ['discs', 'squares', 'stripes', 'rings', 'crosses'] as const;

export interface ImageFolderSpec {
  count: number;
  /** Class folders (at most SHAPE_CLASSES.length); 0 puts every image in the folder itself. */
  classes: number;
  /** Every image this size when set; else 20..48 on each side. */
  size?: number;
  seed?: number;
  /** Only colour PNG (the benchmark's case); else PNG and JPEG, grayscale and colour. */
  formats?: 'mixed' | 'png-rgb';
  /** Files encoded at once. */
  concurrency?: number;
  /**
   * `random` (default): each image's colour drawn at random; `by-class`: one hue per class with a
   * little jitter, so a small model can learn colour from the shape (the e2e test's pictures).
   */
  palette?: 'random' | 'by-class';
}

const CLASS_COLOURS = [
  [230, 60, 50],
  [60, 200, 80],
  [70, 110, 240],
  [240, 200, 40],
  [200, 70, 210],
];

export interface MadeFile {
  rel: string;
  label: number;
  width: number;
  height: number;
  channels: 1 | 3;
}

function inShape(kind: number, x: number, y: number, w: number, h: number): boolean {
  const cx = x - w / 2;
  const cy = y - h / 2;
  const r = Math.min(w, h) * 0.35;
  switch (kind) {
    case 0:
      return cx * cx + cy * cy < r * r;
    case 1:
      return Math.abs(cx) < r && Math.abs(cy) < r;
    case 2:
      return Math.floor(x / 4) % 2 === 0;
    case 3: {
      const d = Math.sqrt(cx * cx + cy * cy);
      return d < r && d > r * 0.6;
    }
    default:
      return Math.abs(cx) < r * 0.3 || Math.abs(cy) < r * 0.3;
  }
}

/** One image's pixels (HWC), a shape of class `kind` in `colour` on a dark background. */
function draw(kind: number, w: number, h: number, channels: 1 | 3, colour: number[]): Buffer {
  const px = Buffer.alloc(w * h * channels, 16);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (inShape(kind, x, y, w, h)) for (let c = 0; c < channels; c++) px[(y * w + x) * channels + c] = colour[c]!;
  return px;
}

/** Writes the folder and returns what it holds, in the order written. */
export async function makeImageFolder(dir: string, spec: ImageFolderSpec): Promise<MadeFile[]> {
  const rng = makeRng(spec.seed ?? 1);
  const classes = Math.min(spec.classes, SHAPE_CLASSES.length);
  const files: MadeFile[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (let i = 0; i < spec.count; i++) {
    const label = classes === 0 ? -1 : i % classes;
    const kind = classes === 0 ? i % SHAPE_CLASSES.length : label;
    const width = spec.size ?? 20 + Math.floor(rng() * 29);
    const height = spec.size ?? 20 + Math.floor(rng() * 29);
    const mixed = (spec.formats ?? 'mixed') === 'mixed';
    const channels: 1 | 3 = mixed && i % 3 === 1 ? 1 : 3;
    const jpeg = mixed && i % 2 === 1;
    const colour =
      spec.palette === 'by-class'
        ? CLASS_COLOURS[kind]!.map((v) => Math.max(0, Math.min(255, v + Math.floor(rng() * 41) - 20)))
        : [64 + Math.floor(rng() * 192), 64 + Math.floor(rng() * 192), 64 + Math.floor(rng() * 192)];
    // Nested below the class folder, so the search has to recurse.
    const sub = classes === 0 ? '' : join(SHAPE_CLASSES[label]!, `batch-${Math.floor(i / 50)}`);
    const rel = join(sub, `img-${String(i).padStart(6, '0')}.${jpeg ? 'jpg' : 'png'}`);
    files.push({ rel, label, width, height, channels });
    jobs.push(async () => {
      await mkdir(join(dir, sub), { recursive: true });
      const image = sharp(draw(kind, width, height, channels, colour), { raw: { width, height, channels } });
      await (jpeg ? image.jpeg({ quality: 90 }) : image.png({ compressionLevel: 1 })).toFile(join(dir, rel));
    });
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: spec.concurrency ?? 8 }, worker));
  return files;
}

async function main(argv: string[]): Promise<void> {
  const dir = argv[0];
  if (!dir || dir.startsWith('--'))
    throw new Error('usage: make-image-folder.ts DIR [--count N] [--classes K] [--size S] [--flat] [--seed N] [--by-class]');
  const flag = (name: string, fallback: number) => {
    const at = argv.indexOf(name);
    return at < 0 ? fallback : Number(argv[at + 1]);
  };
  const spec: ImageFolderSpec = {
    count: flag('--count', 300),
    classes: argv.includes('--flat') ? 0 : flag('--classes', 3),
    seed: flag('--seed', 1),
    palette: argv.includes('--by-class') ? 'by-class' : 'random',
  };
  const size = flag('--size', 0);
  if (size > 0) spec.size = size;
  const files = await makeImageFolder(dir, spec);
  console.log(`${files.length} images in ${dir}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
