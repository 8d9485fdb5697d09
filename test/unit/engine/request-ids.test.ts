import { describe, expect, it } from 'vitest';
import { RequestIds, requestIdField, runRequestId } from '../../../src/engine/request-ids';
import { fitOutputToContext, promptCountMargin } from '../../../src/openai/context-fit';
import { buildBody } from '../../../src/openai/request';

describe('request ids (src/engine/request-ids.ts)', () => {
  it('are RFC 9562 version-8 UUIDs, the same per run in every thread, the index in the last group', () => {
    const a = new RequestIds('run-1', 'uuid');
    const id = a.wire(42);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-000000000042$/);
    expect(new RequestIds('run-1', 'uuid').wire(42)).toBe(id);
    expect(new RequestIds('run-2', 'uuid').wire(42)).not.toBe(id);
    expect(a.wire(0)).not.toBe(a.wire(1));
    expect(() => a.wire(1e12)).toThrow(RangeError);
    expect(new RequestIds('run-1', 'run').wire(7)).toBe('run-1-7');
    expect(runRequestId('r', 3)).toBe('r-3');
  });

  it('go in the body field where the server reads them there (SGLang rid), unless told', () => {
    expect(requestIdField(undefined, 'sglang')).toBe('rid');
    expect(requestIdField(undefined, 'vllm')).toBeUndefined();
    expect(requestIdField(undefined, undefined)).toBeUndefined();
    expect(requestIdField('none', 'sglang')).toBeUndefined();
    expect(requestIdField('request_id', 'vllm')).toBe('request_id');
  });
});

describe('max_tokens near the context limit (src/openai/context-fit.ts)', () => {
  it('lowers max_tokens to what fits and keeps min_tokens a margin below the room', () => {
    expect(fitOutputToContext(100, 50, undefined)).toEqual({ maxTokens: 100, minTokens: 100 });
    expect(fitOutputToContext(100, 50, 1000)).toEqual({ maxTokens: 100, minTokens: 100 });
    expect(fitOutputToContext(100, 950, 1000)).toEqual({ maxTokens: 50, minTokens: 50 - promptCountMargin(950), cappedFrom: 100 });
    expect(fitOutputToContext(100, 2000, 1000)).toEqual({ maxTokens: 1, minTokens: 0, cappedFrom: 100 });
    expect(fitOutputToContext(0, 50, 1000)).toEqual({ maxTokens: 0, minTokens: 0 });
    // Just under the limit: max_tokens as recorded, min_tokens lowered so a prompt counted a
    // little longer by the server cannot make vLLM reject min_tokens > max_tokens.
    const near = fitOutputToContext(40, 955, 1000);
    expect(near.maxTokens).toBe(40);
    expect(near.cappedFrom).toBeUndefined();
    expect(near.minTokens).toBe(45 - promptCountMargin(955));
  });

  it('never sends min_tokens above max_tokens', () => {
    expect(buildBody({ endpoint: 'completions', model: 'm', prompt: 'x', maxTokens: 5, minTokens: 9, stream: false, ignoreEos: true })).toMatchObject({ max_tokens: 5, min_tokens: 5 });
    expect(buildBody({ endpoint: 'completions', model: 'm', prompt: 'x', maxTokens: 5, minTokens: 2, stream: false, ignoreEos: true })).toMatchObject({ max_tokens: 5, min_tokens: 2 });
  });
});
