import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBigMooncake } from '../../../scripts/bench/big-trace';
import { BoundedMap } from '../../../src/trace/bounded-map';

const ROOT = join(__dirname, '../../..');

describe('streaming a big trace', () => {
  it('trace stats reads a 50 MB trace with a 40 MB heap (so nothing holds the file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-big-'));
    try {
      const file = join(dir, 'big.jsonl');
      const rows = writeBigMooncake(file, 50e6);
      const r = spawnSync(process.execPath, ['--max-old-space-size=40', '--import', 'tsx', join(ROOT, 'src/cli/trace/main.ts'), 'stats', file, '--json', '--cache-blocks', '20000'], {
        cwd: ROOT, encoding: 'utf8',
      });
      expect(r.stderr).not.toMatch(/heap out of memory/);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout).requests).toBe(rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('BoundedMap', () => {
  it('forgets the least recently set entries past its capacity', () => {
    const m = new BoundedMap<number, string>(3);
    for (let i = 0; i < 1000; i++) m.set(i, String(i));
    m.set(997, 'again'); // now the newest
    m.set(1000, 'x');
    expect(m.size).toBe(3);
    expect([998, 999, 997, 1000].map((k) => m.has(k))).toEqual([false, true, true, true]);
    expect(m.get(997)).toBe('again');
  });
});
