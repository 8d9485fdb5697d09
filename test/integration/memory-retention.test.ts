// A request waiting on a saturated server costs its record, not its prompt (issue 23): the open
// loop's replay and the sessions runner send large prompts over the real transport to a
// simulator that leaves them waiting; a child process (--expose-gc) forces collections while
// all are in flight and reports whether any sent body is still reachable, and the heap kept
// per request against the size of a body. Ratios within one run, no absolute sizes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { startSim, type RunningSim } from './support/processes';

interface ChildFigures {
  sent: number;
  finished: number;
  bodyBytes: number;
  buffers: number;
  reachable: number;
  controlReachable: boolean;
  heapPerRequest: number;
}

const CHILD = 'test/integration/support/retention-child.ts';

function measure(url: string, mode: 'replay' | 'sessions'): ChildFigures {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, url, mode], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`retention child (${mode}) failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const f = JSON.parse(line) as ChildFigures;
  console.log(`${mode}: ${f.sent} in flight, body ${(f.bodyBytes / 1024).toFixed(1)} KB, heap kept ${(f.heapPerRequest / 1024).toFixed(1)} KB per request, ${f.reachable}/${f.buffers} sent buffers reachable`);
  return f;
}

describe('memory of requests in flight', () => {
  let sim: RunningSim;
  beforeAll(async () => {
    // One sequence at a time, 1,000x slower than the model: nothing sent finishes during the test.
    sim = await startSim(['--preset', 'small', '--time-scale', '1000', '--max-num-seqs', '1', '--max-model-len', '1000000', '--quiet']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('replay: no sent body is reachable while its response is awaited', () => {
    const f = measure(sim.url, 'replay');
    expect(f.finished, 'every request is still in flight when measured').toBe(0);
    expect(f.buffers).toBe(f.sent);
    expect(f.controlReachable, 'the check sees a body kept on purpose').toBe(true);
    expect(f.reachable, 'sent bodies still reachable').toBe(0);
    // What a waiting request keeps (record, socket, parser) is small against its prompt.
    expect(f.heapPerRequest / f.bodyBytes).toBeLessThan(0.25);
  });

  it('sessions: a turn waiting on the server keeps neither its body nor its payload', () => {
    const f = measure(sim.url, 'sessions');
    expect(f.finished, 'every turn is still in flight when measured').toBe(0);
    expect(f.heapPerRequest / f.bodyBytes).toBeLessThan(0.25);
  });
});
