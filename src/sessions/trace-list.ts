// Which trace files a sessions run reads. k6 cannot list a directory (open() refuses them and
// there is no readdir), so a directory is read through its index: `<dir>/index.txt`, one file
// name per line (relative to the directory, '#' comments). `ls DIR/*.json > DIR/index.txt`
// writes one. TRACES may also be one file or a comma-separated list.

/** The index file read for a directory. */
export const INDEX_FILE = 'index.txt';

/** Splits -e TRACES into entries (comma-separated, blanks ignored). */
export function splitTraceList(spec: string): string[] {
  return spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The index path of an entry that names a directory (ends with a slash). */
export function indexPathOf(dir: string): string {
  return `${dir.replace(/\/+$/, '')}/${INDEX_FILE}`;
}

/** File paths listed by an index (relative names resolved against its directory). */
export function parseIndex(text: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line.startsWith('/') ? line : `${base}/${line}`);
  }
  return out;
}

/** k6's open() error for a directory. */
export function isDirectoryError(e: unknown): boolean {
  return /can't be used with directories/.test(String(e));
}

export function missingIndexMessage(dir: string): string {
  return `${dir} is a directory and k6 cannot list directories: write its index first, e.g. ` +
    `(cd ${dir} && ls *.json *.jsonl 2>/dev/null > ${INDEX_FILE}), or pass -e TRACES=file1,file2,...`;
}
