// The program's entry points: the command-line tool, the scripting API scenarios import, and
// every worker thread's entry. The build (scripts/bundle-cli.ts) turns each into
// dist/app/<name>.js; from the sources (development mode) they are the .ts files named here.

/** Entry name -> its source under src/. */
export const ENTRIES = {
  'llm-replay': 'cli/bin.ts',
  api: 'engine/api.ts',
  'replay-worker': 'scenarios/replay-worker.ts',
  'sessions-worker': 'scenarios/sessions-worker.ts',
  's3-chunks-worker': 'storage/s3-chunks-worker.ts',
  'sim-prep-worker': 'sim/prep-worker.ts',
} as const;

export type EntryName = keyof typeof ENTRIES;
export type WorkerEntry = Extract<EntryName, `${string}-worker`>;

/** Where the bundles go, relative to the package root: two folders deep, as src/<folder>/. */
export const BUNDLE_DIR = 'dist/app';
