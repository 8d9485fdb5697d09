import { describe, expect, it } from 'vitest';
import { OptionsError, helpText, parseOptions } from '../../src/sim/options.js';
import { PRESETS } from '../../src/sim/presets.js';

const parse = (args: string[]) => {
  const o = parseOptions(args);
  if (o === 'help') throw new Error('help');
  return o;
};

describe('simulator options', () => {
  it('defaults: loopback, port 8000, small preset, words tokenizer, 16 tokens, no faults', () => {
    const o = parse([]);
    expect(o).toMatchObject({ host: '127.0.0.1', port: 8000, preset: 'small', tokenizer: 'words', defaultMaxTokens: 16, chatTemplateTokens: 0, faultRate: 0, model: 'sim-model', strictModel: false });
    expect(o.engine).toMatchObject({ blockSize: 16, prefixCaching: true, chunkedPrefill: true, preemption: 'recompute', timeScale: 1 });
    expect(o.engine.cost).toEqual(PRESETS.small.cost);
  });

  it('streams one token per chunk and no reasoning unless asked', () => {
    expect(parse([])).toMatchObject({ tokensPerChunk: 1, reasoningTokens: 0 });
    expect(parse(['--tokens-per-chunk', '4', '--reasoning-tokens', '8'])).toMatchObject({ tokensPerChunk: 4, reasoningTokens: 8 });
    expect(helpText()).toMatch(/--tokens-per-chunk K\s+stream K tokens per chunk/);
  });

  it('flags override the preset', () => {
    const o = parse(['--preset', 'large', '--kv-blocks', '123', '--step-base-ms', '2.5', '--no-prefix-cache', '--time-scale', '0.1', '--port', '0', '--fault-rate', '0.3', '--fault-kinds', 'status=429,cut=2', '--seed', '9']);
    expect(o.engine.kvBlocks).toBe(123);
    expect(o.engine.maxNumSeqs).toBe(PRESETS.large.maxNumSeqs);
    expect(o.engine.cost.stepBaseMs).toBe(2.5);
    expect(o.engine.cost.prefillTokenMs).toBe(PRESETS.large.cost.prefillTokenMs);
    expect(o.engine.prefixCaching).toBe(false);
    expect(o.engine.timeScale).toBe(0.1);
    expect(o.port).toBe(0);
    expect(o.faultKinds.map((k) => k.spec)).toEqual(['status=429', 'cut=2']);
    expect(o.seed).toBe(9);
    expect(o.maxModelLen).toBe(PRESETS.large.maxModelLen);
  });

  it('errors name the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--preset', 'huge'], /--preset: unknown preset "huge"/],
      [['--kv-blocks', '1.5'], /--kv-blocks: expected a whole number/],
      [['--time-scale', '0'], /--time-scale: must be more than 0/],
      [['--port', '70000'], /--port: must be at most 65535/],
      [['--fault-rate', '2'], /--fault-rate: must be at most 1/],
      [['--fault-kinds', 'zap'], /--fault-kinds: unknown fault "zap"/],
      [['--tokens-per-chunk', '0'], /--tokens-per-chunk: must be at least 1/],
      [['--reasoning-tokens', '1.5'], /--reasoning-tokens: expected a whole number/],
      [['--tokenizer', 'gpt9'], /--tokenizer: unknown tokenizer/],
      [['--preemption', 'swap'], /--preemption/],
      [['--no-chunked-prefill'], /--no-chunked-prefill needs/],
      [['--step-base-ms', '0', '--prefill-token-ms', '0', '--decode-seq-ms', '0', '--context-token-ms', '0'], /every step would take 0 ms/],
      [['--what'], /Unknown option/],
      [['stray'], /positional/i],
    ];
    for (const [args, re] of cases) {
      expect(() => parseOptions(args), args.join(' ')).toThrow(OptionsError);
      expect(() => parseOptions(args), args.join(' ')).toThrow(re);
    }
  });

  it('--help lists every option', () => {
    expect(parseOptions(['--help'])).toBe('help');
    const h = helpText();
    for (const f of ['--host', '--port-file', '--model', '--max-num-seqs', '--max-num-batched-tokens', '--block-size', '--kv-blocks', '--no-prefix-cache', '--step-base-ms', '--prefill-token-ms', '--decode-seq-ms', '--context-token-ms', '--fault-kinds', '--seed', '--chat-template-tokens', '--default-max-tokens', '--spin-ms', 'x-sim-fault', 'summarize'])
      expect(h).toContain(f);
  });
});
