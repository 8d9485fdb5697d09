import { describe, expect, it } from 'vitest';
import { parseDurationS, readSessionsConfig } from '../../src/config/sessions';

describe('readSessionsConfig', () => {
  it('defaults: recorded starts, think-only, no warm prefix, unique prefixes, file-scoped ids', () => {
    const c = readSessionsConfig({ TRACES: 'traces/sessions/' });
    expect(c).toMatchObject({
      traces: 'traces/sessions/', users: undefined, timing: 'think-only', timeScale: 1, apiScale: 1, join: 'recorded',
      warmPrefix: 0, uniquePrefix: true, blockScope: 'file', seed: 1, bucketMs: 1000, lastWindowMs: 30_000, warmupFraction: 0.2,
      baseUrl: 'http://127.0.0.1:8000', endpoint: 'chat', stream: true, ignoreEos: true, summaryJson: 'results/sessions-summary.json',
    });
  });

  it('reads users, timing and the request options the replay shares', () => {
    const c = readSessionsConfig({
      TRACES: 'a.json,b.json', USERS: '32', DURATION: '5m', TIMING: 'api-scaled', API_SCALE: '0.2', TIME_SCALE: '0.5', MAX_DELAY_S: '60',
      SUBAGENT_JOIN: 'next', WARM_PREFIX: '0.5', UNIQUE_PREFIX: 'false', GPUS: '8', NO_MAX_TOKENS: 'true', BASE_URL: 'http://h:1/',
      HEADERS: '{"x-sim-reasoning": 5}', OPENAI_API_KEY: 'sk-secret', DEBUG_BODIES: 'true', TEMPLATE: 'qwen3',
    });
    expect(c).toMatchObject({
      users: 32, durationS: 300, timing: 'api-scaled', apiScale: 0.2, timeScale: 0.5, maxDelayMs: 60_000, join: 'next', warmPrefix: 0.5,
      uniquePrefix: false, gpus: 8, noMaxTokens: true, baseUrl: 'http://h:1', headers: { 'x-sim-reasoning': '5' }, apiKey: 'sk-secret', debugBodies: true,
      overheadTokens: 8,
    });
  });

  it('refuses what cannot work, naming the option', () => {
    expect(() => readSessionsConfig({})).toThrow(/no traces given/);
    expect(() => readSessionsConfig({ TRACES: 'a', SESSIONS: '3' })).toThrow(/need USERS/);
    expect(() => readSessionsConfig({ TRACES: 'a', USERS: '2', SESSIONS: '3', DURATION: '1m' })).toThrow(/not both/);
    expect(() => readSessionsConfig({ TRACES: 'a', TIMING: 'fast' })).toThrow(/TIMING=fast: must be one of/);
    expect(() => readSessionsConfig({ TRACES: 'a', WARM_PREFIX: '2' })).toThrow(/WARM_PREFIX/);
    expect(() => readSessionsConfig({ TRACES: 'a', USERS: '0' })).toThrow(/USERS=0/);
    expect(() => readSessionsConfig({ TRACES: 'a', HEADERS: '{"Authorization":"Bearer x"}' })).toThrow(/OPENAI_API_KEY/);
    expect(() => readSessionsConfig({ TRACES: 'a', HEADERS: '[1]' })).toThrow(/JSON object/);
  });

  it('durations', () => {
    expect(parseDurationS('D', '90')).toBe(90);
    expect(parseDurationS('D', '1.5h')).toBe(5400);
    expect(parseDurationS('D', '250ms')).toBe(0.25);
    expect(() => parseDurationS('D', '5 minutes')).toThrow(/-e D=5 minutes/);
  });
});
