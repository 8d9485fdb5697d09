import { describe, expect, it } from 'vitest';
import { blockHashes } from '../../src/sim/prefix-cache.js';
import { decodeReply, encodeReply } from '../../src/sim/prep-wire.js';
import { makePrepare } from '../../src/sim/prepare.js';

const settings = { tokenizer: 'words', servedModel: 'm', strictModel: false, defaultMaxTokens: 16, chatTemplateTokens: 0, maxModelLen: 1000, hashBlockSize: 4 };

describe('request preparation and its crossing between threads', () => {
  it('tokenizes, hashes full blocks and survives the round trip with typed arrays', () => {
    const out = makePrepare(settings)('/v1/completions', JSON.stringify({ prompt: 'a b c d e f g h i', max_tokens: 3, stream: true }));
    expect(out.ok).toBe(true);
    const { reply, transfer } = encodeReply(7, out);
    expect(transfer.length).toBe(2); // the prompt's ids and its hashes move, not copy
    const back = decodeReply(structuredClone(reply, { transfer }));
    if (!back.ok || !out.ok) throw new Error('expected a prepared request');
    expect(back.prepared.spec).toEqual(out.prepared.spec);
    expect(back.prepared.promptHashes).toEqual([blockHashes(out.prepared.spec.prompts[0], 4)]);
    expect(back.prepared.promptHashes![0].length).toBe(2);
  });

  it('turns a bad body into the same 400 on the server side, stream flag kept', () => {
    const out = makePrepare(settings)('/v1/completions', JSON.stringify({ prompt: 'x', max_tokens: 0, stream: true }));
    const back = decodeReply(structuredClone(encodeReply(1, out).reply));
    if (back.ok) throw new Error('expected a failure');
    expect(back.error.status).toBe(400);
    expect(back.error.param).toBe('max_tokens');
    expect(back.stream).toBe(true);
  });

  it('skips hashes when the prefix cache is off', () => {
    const out = makePrepare({ ...settings, hashBlockSize: 0 })('/v1/completions', JSON.stringify({ prompt: 'a b c d e' }));
    expect(out.ok && out.prepared.promptHashes).toBeUndefined();
  });
});
