import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/engine/metrics';
import { promptLengthError, recordPromptLength, renderPromptLengthError } from '../../src/metrics/prompt-length';
import { promptLengthFields } from '../../src/engine/scripting/request';

describe('prompt length error (server prompt tokens - recorded input length)', () => {
  it('summarises count, exact matches, min, max and mean, negative errors included, across merged registries', () => {
    const a = new Registry();
    const b = new Registry();
    recordPromptLength(a, 300, 300);
    recordPromptLength(a, 200, 203);
    recordPromptLength(b, 150, 148);
    recordPromptLength(b, 64, 64);
    a.merge(b.state());
    expect(promptLengthError(a.summaryData(1000))).toEqual({ count: 4, exact: 2, min: -2, max: 3, mean: 0.25 });
    expect(renderPromptLengthError(promptLengthError(a.summaryData(1000)))).toMatch(/Exact matches:\s+2\n.*Min \/ max \(tokens\):\s+-2 \/ 3/);
  });

  it('says why nothing was checked when the server sent no usage', () => {
    const e = promptLengthError(new Registry().summaryData(1000));
    expect(e).toEqual({ count: 0, exact: 0, min: null, max: null, mean: null });
    expect(renderPromptLengthError(e)).toMatch(/no usage\.prompt_tokens: run with --no-stream/);
  });

  it('per-request record fields: the error only when the server counted', () => {
    expect(promptLengthFields(300, 301)).toEqual({ inputTokensRecorded: 300, promptTokensServer: 301, promptLengthError: 1 });
    expect(promptLengthFields(300, undefined)).toEqual({ inputTokensRecorded: 300 });
    expect(promptLengthFields(undefined, 301)).toEqual({});
  });
});
