// Where a training file's test split usually sits: beside it, named with `t10k` or `test` where the
// training file says `train` (MNIST and Fashion-MNIST: `train-images-idx3-ubyte` and
// `t10k-images-idx3-ubyte`; EMNIST: `...-train-images-...` and `...-test-images-...`; Kaggle's
// mnist-in-csv: `mnist_train.csv` and `mnist_test.csv`), gzipped or not.

import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { firstFile } from './source-file.ts';

function withCase(word: string, like: string): string {
  if (like === like.toUpperCase()) return word.toUpperCase();
  if (like[0] === like[0]!.toUpperCase()) return word[0]!.toUpperCase() + word.slice(1);
  return word;
}

export function testFileCandidates(trainPath: string): string[] {
  const base = basename(trainPath);
  if (!/train/i.test(base)) return [];
  const names: string[] = [];
  for (const word of ['t10k', 'test']) {
    const swapped = base.replace(/train/gi, (m) => withCase(word, m));
    const stem = swapped.replace(/\.gz$/i, '');
    names.push(swapped, stem, `${stem}.gz`);
  }
  return [...new Set(names)].map((b) => join(dirname(trainPath), b));
}

/** The first candidate that is a file, or null. */
export function findTestFile(trainPath: string): Promise<string | null> {
  return firstFile(testFileCandidates(trainPath));
}

/** findTestFile for the CLI, which builds its config before anything async runs. */
export function findTestFileSync(trainPath: string): string | null {
  for (const candidate of testFileCandidates(trainPath)) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not there: try the next name.
    }
  }
  return null;
}
