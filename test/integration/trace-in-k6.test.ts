// The trace readers and prompt builders run inside k6's JavaScript runtime (bundled by esbuild
// for the browser, so papaparse's browser build): every sample in traces/ reads the same in
// build/k6 as in Node, and token-id prompts match the text prompts' length.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/trace/read';

const ROOT = join(__dirname, '../..');
const TRACES = join(ROOT, 'traces');

const ENTRY = `
import { readTrace } from ${JSON.stringify(join(ROOT, 'src/trace/read'))};
import { parseVocabulary } from ${JSON.stringify(join(ROOT, 'src/prompt/vocabulary'))};
import { parseTokenIdTable, promptTokenIds } from ${JSON.stringify(join(ROOT, 'src/prompt/token-ids'))};
import { buildPrompt } from ${JSON.stringify(join(ROOT, 'src/prompt/hashblock'))};
const files = __ENV.FILES.split(',');
const texts = files.map((f) => open(__ENV.TRACES + '/' + f));
const vocabText = open(__ENV.VOCAB);
const idsText = open(__ENV.IDS);
export const options = { vus: 1, iterations: 1 };
export default function () {
  const out = {};
  files.forEach((f, i) => {
    const t = readTrace(texts[i], f);
    out[f] = [t.format, t.sessions.length, t.sessions.reduce((n, s) => n + s.turns.length, 0)];
  });
  const vocab = parseVocabulary('universal', vocabText);
  const spec = { blocks: [1, 2, 3], blockSize: 64, tokens: 150, uniqueKey: 'x' };
  out.promptWords = buildPrompt(vocab, spec).split(' ').length;
  out.promptIds = promptTokenIds(vocab, parseTokenIdTable(idsText, vocab), spec).length;
  console.log('RESULT ' + JSON.stringify(out));
}
`;

describe('trace readers inside k6', () => {
  it('read every sample as Node does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-k6-'));
    const entry = join(dir, 'entry.js');
    writeFileSync(entry, ENTRY);
    buildSync({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', external: ['k6', 'k6/*'], outfile: join(dir, 'bundle.js'), logLevel: 'warning' });
    const files = readdirSync(TRACES).filter((f) => /\.(jsonl?|csv)$/.test(f));
    const k6 = spawnSync(join(ROOT, 'build/k6'), [
      'run', '--quiet', '--log-format', 'raw', '-e', `TRACES=${TRACES}`, '-e', `FILES=${files.join(',')}`,
      '-e', `VOCAB=${join(ROOT, 'data/vocab/universal.txt')}`, '-e', `IDS=${join(ROOT, 'data/vocab/ids/universal.qwen3.json')}`, join(dir, 'bundle.js'),
    ], { encoding: 'utf8' });
    expect(k6.status, k6.stderr).toBe(0);
    // console.log lands in k6's log (stderr)
    const line = /RESULT (.*)/.exec(`${k6.stdout}\n${k6.stderr}`);
    expect(line, k6.stderr).not.toBeNull();
    const result = JSON.parse(line![1]) as Record<string, unknown>;
    for (const f of files) {
      const t = readTrace(readFileSync(join(TRACES, f), 'utf8'), f);
      expect(result[f], f).toEqual([t.format, t.sessions.length, t.sessions.reduce((n, s) => n + s.turns.length, 0)]);
    }
    expect(result.promptWords).toBe(150);
    expect(result.promptIds).toBe(150);
  });
});
