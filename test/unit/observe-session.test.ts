import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GIVE_UP_AFTER, ScrapeSession } from '../../src/observe/session';

const fixture = (f: string) => readFileSync(`test/fixtures/metrics/${f}`, 'utf8');
const URL = 'http://127.0.0.1:8000/metrics';

function session(engine: 'vllm' | null = null) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const s = new ScrapeSession(URL, engine, undefined, 1, { warn: (m) => warnings.push(m), info: (m) => infos.push(m) });
  return { s, warnings, infos };
}

describe('scrape session: what one /metrics answer records, and the one-warning rule', () => {
  it('recognises vLLM, records levels first, then counter increases tagged with the engine', () => {
    const { s, warnings, infos } = session();
    const first = s.handle({ status: 200, body: fixture('vllm-0.11-dp2.t0.prom') }, 0);
    expect(first.outcome).toBe('ok');
    expect(first.engine).toBe('vllm');
    expect(first.samples.map((x) => x.metric)).toContain('engine_requests_running');
    expect(first.samples.some((x) => x.kind === 'counter')).toBe(false); // the baseline
    const second = s.handle({ status: 200, body: fixture('vllm-0.11-dp2.t1.prom') }, 5000);
    expect(second.samples.some((x) => x.metric === 'engine_prompt_tokens' && x.kind === 'counter' && x.value > 0)).toBe(true);
    expect(infos).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it(`gives up with one warning after ${GIVE_UP_AFTER} failures before any answer`, () => {
    const { s, warnings } = session();
    for (let i = 0; i < GIVE_UP_AFTER + 2; i++) expect(s.handle({ error: 'ECONNREFUSED' }, i).outcome).toBe('error');
    expect(s.gaveUp).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot read http:\/\/127\.0\.0\.1:8000\/metrics \(ECONNREFUSED, 3 tries\)/);
  });

  it('a foreign /metrics gives up at once, one warning naming what it saw; nothing is counted', () => {
    const { s, warnings } = session();
    const step = s.handle({ status: 200, body: 'go_goroutines 12\nprocess_cpu_seconds_total 3\n' }, 0);
    expect(step).toEqual({ samples: [] });
    expect(s.gaveUp).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/shows no vLLM, SGLang or llama\.cpp metrics \(2 series, e\.g\. go_goroutines/)]);
  });

  it('an engine that answered and then stops: one warning, every failure counted, never gives up', () => {
    const { s, warnings } = session('vllm');
    s.handle({ status: 200, body: fixture('vllm-0.11-dp2.t0.prom') }, 0);
    for (let i = 1; i < 6; i++) expect(s.handle({ status: 503, body: '' }, i * 1000).outcome).toBe('error');
    expect(s.gaveUp).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/stopped answering \(status 503\).*engine_scrapes\{outcome:error\}/)]);
  });
});
