import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlWriter, type RequestRecord } from '../../../src/outputs/jsonl';

const record = (i: number): RequestRecord => ({
  id: `r-${i}`, index: i, scheduledUnixMs: 1000 + i, sendUnixMs: 1000.5 + i, lagMs: 0.5, ok: i % 7 !== 0, reason: i % 7 ? undefined : 'http_503',
  status: i % 7 ? 200 : 503, e2eMs: 12.5, connectMs: 0, outputTokens: 3, tokenSource: 'usage',
});

describe('JsonlWriter', () => {
  it('writes every record once, in order, across batch boundaries, by close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jsonl-')), 'sub', 'requests.jsonl');
    const w = new JsonlWriter(path);
    for (let i = 0; i < 3000; i++) w.write(record(i));
    await w.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RequestRecord);
    expect(lines).toHaveLength(3000);
    expect(lines.map((r) => r.index)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(lines[7]).toEqual(record(7));
    expect(w.count).toBe(3000);
  });

  it('names the file when it cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    // A directory where the file should be: the open fails after the constructor returned.
    const path = join(dir, 'requests.jsonl');
    mkdirSync(path);
    const w = new JsonlWriter(path);
    w.write(record(1));
    await expect(w.close()).rejects.toThrow(/cannot write .*requests\.jsonl/);
  });
});
