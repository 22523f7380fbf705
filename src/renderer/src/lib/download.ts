// Saving something the renderer made (a chart's PNG or CSV) as a file. A link with `download` and a
// blob URL works the same in the browser and in Electron's window (which asks where to save).

export function saveBlob(blob: Blob, fileName: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

export async function saveDataUrl(dataUrl: string, fileName: string): Promise<void> {
  saveBlob(await (await fetch(dataUrl)).blob(), fileName);
}

/** A file name from free text (a run's name): letters, digits, dashes; never empty. */
export function fileSafe(text: string, fallback = 'chart'): string {
  const safe = text
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return safe || fallback;
}
