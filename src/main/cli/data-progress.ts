// What the CLI prints while an image folder loads (the first load decodes every file, which can take
// minutes), and about the files it skipped. Paths are file names from disk: printed as terminalText.

import type { DataLoadProgress, SkippedImage } from '../../shared/contract.ts';
import { terminalText } from './format.ts';

const SHOWN_SKIPPED = 5;

/**
 * On a terminal, one line redrawn in place ("decoding images 1,234/5,000 (24%)"); otherwise (a log, a
 * pipe) a line when decoding starts and one when it ends, so a log is not flooded.
 */
export function dataProgressPrinter(
  tty: boolean,
  write = (s: string) => void process.stderr.write(s),
): (p: DataLoadProgress) => void {
  let started = 0;
  return (p) => {
    if (p.phase !== 'decoding') return;
    const count = p.total.toLocaleString('en-US');
    if (started === 0) {
      started = Date.now();
      if (!tty) write(`Decoding ${count} images of ${terminalText(p.path)} (the first load; later runs read the cache)…\n`);
    }
    if (tty) {
      const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
      write(`\r\x1b[2Kdecoding images ${p.done.toLocaleString('en-US')}/${count} (${pct}%)`);
    }
    if (p.done === p.total) {
      if (tty) write('\r\x1b[2K');
      write(`Decoded ${count} images in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      started = 0;
    }
  };
}

/** "Skipped 2 files that could not be decoded: …", the first few with their reasons. */
export function skippedText(skipped: readonly SkippedImage[], shown = SHOWN_SKIPPED): string {
  const lines = skipped.slice(0, shown).map((s) => `  ${terminalText(s.path)}: ${terminalText(s.reason)}\n`);
  const more = skipped.length > shown ? `  … and ${skipped.length - shown} more (npm run runs -- show ID lists them)\n` : '';
  return `Skipped ${skipped.length} ${skipped.length === 1 ? 'file' : 'files'} that could not be decoded:\n${lines.join('')}${more}`;
}
