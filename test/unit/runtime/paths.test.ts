// Where the program's own files are (src/runtime/paths.ts), seen from the sources (the tests run
// them; the bundle's side is test/integration/pack-install.test.ts): every entry point exists,
// workers boot through tsx, the CLI child runs through tsx, and data/ is found from here.

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRIES, type EntryName } from '../../../src/runtime/entries';
import { BUNDLED, PACKAGE_ROOT, builtFile, cliArgv, entryFile, workerStart } from '../../../src/runtime/paths';

describe('runtime paths from the sources', () => {
  it('knows it runs from the sources and finds the package root', () => {
    expect(BUNDLED).toBe(false);
    expect((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string }).name).toBe('k6-llm-replay');
    expect(existsSync(join(PACKAGE_ROOT, 'data/vocab/universal.txt'))).toBe(true);
  });

  it('names an existing source for every entry point, and bundles the worker entries', () => {
    for (const name of Object.keys(ENTRIES) as EntryName[]) expect(existsSync(entryFile(name)), name).toBe(true);
    expect(Object.keys(ENTRIES).filter((n) => n.endsWith('-worker')).sort()).toEqual(['replay-worker', 's3-chunks-worker', 'sessions-worker', 'sim-prep-worker']);
  });

  it('starts workers through the tsx boot file with the entry in workerData', () => {
    const s = workerStart('replay-worker', { job: 1 });
    expect(fileURLToPath(s.file)).toBe(join(PACKAGE_ROOT, 'src/runtime/worker-boot.mjs'));
    expect(s.workerData).toMatchObject({ job: 1, entry: expect.stringMatching(/src\/scenarios\/replay-worker\.ts$/) });
  });

  it('starts a child CLI from its source through tsx', () => {
    expect(cliArgv()).toEqual(['--import', 'tsx', join(PACKAGE_ROOT, 'src/cli/bin.ts')]);
  });

  it('finds a built file under dist/ only when it is there', () => {
    expect(builtFile('no-such-file.node')).toBeUndefined();
    expect(builtFile('../package.json')).toBe(join(PACKAGE_ROOT, 'package.json'));
  });
});
