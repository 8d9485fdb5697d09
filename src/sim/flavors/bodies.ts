// The response-body builder of each flavor.

import type { Bodies, BodyOptions } from '../sse.js';
import type { Flavor } from './flavor.js';
import { LlamacppBodies } from './llamacpp-chunks.js';
import { SglangBodies } from './sglang-chunks.js';
import { VllmBodies } from './vllm-chunks.js';

export function createBodies(flavor: Flavor, o: BodyOptions): Bodies {
  switch (flavor) {
    case 'sglang':
      return new SglangBodies(o);
    case 'llamacpp':
      return new LlamacppBodies(o);
    default:
      return new VllmBodies(o);
  }
}
