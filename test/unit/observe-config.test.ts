import { describe, expect, it } from 'vitest';
import { readScrapeConfig } from '../../src/observe/config';

describe('readScrapeConfig', () => {
  it('scrapes BASE_URL/metrics every 5 s by default and recognises the engine itself', () => {
    expect(readScrapeConfig({}, 'http://127.0.0.1:8000/')).toEqual({
      enabled: true, url: 'http://127.0.0.1:8000/metrics', intervalS: 5, timeoutS: 5, engine: null,
    });
  });

  it('takes SCRAPE, SCRAPE_URL, SCRAPE_INTERVAL_S and SCRAPE_ENGINE', () => {
    const c = readScrapeConfig({ SCRAPE: 'false', SCRAPE_URL: 'http://engine:9000/m', SCRAPE_INTERVAL_S: '0.5', SCRAPE_ENGINE: 'sglang' }, 'http://x');
    expect(c).toEqual({ enabled: false, url: 'http://engine:9000/m', intervalS: 0.5, timeoutS: 2, engine: 'sglang' });
  });

  it('names the option in errors', () => {
    expect(() => readScrapeConfig({ SCRAPE_INTERVAL_S: '0' }, 'http://x')).toThrow(/SCRAPE_INTERVAL_S=0/);
    expect(() => readScrapeConfig({ SCRAPE_ENGINE: 'tgi' }, 'http://x')).toThrow(/SCRAPE_ENGINE=tgi: must be one of auto, vllm, sglang, llamacpp/);
    expect(() => readScrapeConfig({ SCRAPE_URL: 'engine:8000/metrics' }, 'http://x')).toThrow(/SCRAPE_URL/);
    expect(() => readScrapeConfig({ SCRAPE: 'maybe' }, 'http://x')).toThrow(/SCRAPE=maybe/);
  });
});
