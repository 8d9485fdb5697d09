// What a user sees from dist/replay.js when asking for help or getting an option or a trace
// wrong: real build/k6, no server needed (each run stops before sending anything).

import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envArgs, runK6, tempDir } from './support/processes';

const run = (vars: Record<string, string | number>) =>
  runK6(['run', '--quiet', '--log-format', 'raw', ...envArgs({ BASE_URL: 'http://127.0.0.1:9', MODEL: 'm', ...vars }), 'dist/replay.js'], {}, 60_000);

describe('dist/replay.js options and bad input', () => {
  it('prints every option with HELP=1 and stops', async () => {
    const r = await run({ HELP: 1 });
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    for (const opt of ['TRACE=path', 'SPEEDUP=1', 'TEMPLATE=', 'SCRAPE=true']) expect(out).toContain(opt);
    expect(out).toMatch(/run again without HELP/);
  });

  it('names a wrong option and what it takes', async () => {
    const r = await run({ TRACE: 'traces/mooncake-sample.jsonl', SPEEDUP: 0 });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/-e SPEEDUP=0: must be a positive number/);
  });

  it('names the file, line and field of a bad trace row, and how to skip bad rows', async () => {
    const dir = tempDir('badtrace');
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"timestamp": 0, "input_length": 10, "output_length": 2}\n{"timestamp": 5, "input_length": "ten", "output_length": 2}\n');
    const r = await run({ TRACE: file });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: field "input_length"`));
    expect(r.stdout + r.stderr).toMatch(/SKIP_BAD=true skips and counts bad rows/);
  });

  it('says which trace file is missing', async () => {
    const r = await run({ TRACE: 'traces/no-such-trace.jsonl' });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no-such-trace\.jsonl/);
  });
});
