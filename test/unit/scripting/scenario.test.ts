import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineScenario, scenarioOf } from '../../../src/engine/scripting/scenario';
import { applySummaryOutput } from '../../../src/engine/scripting/summary';
import { compileScenario, formatBuildErrors } from '../../../src/engine/scripting/compile';

const tmp = () => mkdtempSync(join(tmpdir(), 'scripting-unit-'));

describe('scenario modules', () => {
  it('takes a defineScenario() default export as it is', () => {
    const s = defineScenario({ options: { thresholds: { ttft: ['p(99)<1'] } }, run: async () => {} });
    expect(scenarioOf({ default: s }, 'f.ts')).toBe(s);
  });

  it('takes k6-style exports: default function, options, handleSummary', () => {
    const run = async () => {};
    const handleSummary = () => ({});
    const s = scenarioOf({ default: run, options: { name: 'k6ish' }, handleSummary }, 'f.ts');
    expect(s.run).toBe(run);
    expect(s.handleSummary).toBe(handleSummary);
    expect(s.options?.name).toBe('k6ish');
  });

  it('says how to fix a module without a scenario or with bad parts', () => {
    expect(() => scenarioOf({ x: 1 }, 'f.ts')).toThrow(/f\.ts: no scenario; end the file with `export default defineScenario/);
    expect(() => scenarioOf({ default: {} }, 'f.ts')).toThrow(/no run\(ctx\) function/);
    expect(() => scenarioOf({ default: { run() {}, handleSummary: 3 } }, 'f.ts')).toThrow(/handleSummary must be a function/);
    expect(() => scenarioOf({ default: { run() {}, options: { thresholds: ['p(99)<1'] } } }, 'f.ts')).toThrow(/options.thresholds must map metric names/);
  });
});

describe('handleSummary output', () => {
  it('writes files (objects as JSON) and hands back stdout and stderr', () => {
    const dir = tmp();
    const w = applySummaryOutput({ stdout: 'out', stderr: 'err', 'sub/a.json': { n: 1 }, 'b.txt': 'text' }, dir);
    expect(w.stdout).toBe('out');
    expect(w.stderr).toBe('err');
    expect(JSON.parse(readFileSync(join(dir, 'sub/a.json'), 'utf8'))).toEqual({ n: 1 });
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('text');
    expect(w.files).toHaveLength(2);
    expect(() => applySummaryOutput('x' as never, dir)).toThrow(/must return an object/);
  });
});

describe('compiling a scenario file', () => {
  it('bundles a TypeScript scenario with its relative imports; the API import stays the engine module', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'helper.ts'), 'export const rate: number = 3;\n');
    writeFileSync(join(dir, 'scn.ts'), "import { defineScenario } from 'k6-llm-replay';\nimport { rate } from './helper';\nexport default defineScenario({ options: { name: `r${rate}` }, run() {} });\n");
    const c = await compileScenario(join(dir, 'scn.ts'));
    try {
      const code = readFileSync(new URL(c.url), 'utf8');
      expect(code).toContain(pathToFileURL(join(process.cwd(), 'src/engine/api.ts')).href);
      expect(code).toMatch(/rate = 3/);
    } finally {
      c.dispose();
    }
    expect(existsSync(new URL(c.url))).toBe(false);
  });

  it('names file:line:column of a syntax error with the line and a caret', async () => {
    const dir = tmp();
    const file = join(dir, 'bad.ts');
    writeFileSync(file, 'export default {\n  run() { return (1 + ; }\n};\n');
    await expect(compileScenario(file)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:23: error: Unexpected ";"`));
    expect(formatBuildErrors([{ text: 'boom', location: null }])).toBe('error: boom');
  });
});
