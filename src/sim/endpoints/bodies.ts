// The response writer for a request's endpoint: Messages and Responses have one shape (vLLM's);
// chat and completions are written in the bytes of the --flavor server.

import type { BodyOptions } from '../sse.js';
import type { StreamBodies } from './stream-bodies.js';
import { MessagesBodies } from './messages-sse.js';
import { ResponsesBodies } from './responses-sse.js';
import { createBodies } from '../flavors/bodies.js';
import type { Flavor } from '../flavors/flavor.js';

export function bodiesFor(flavor: Flavor, o: BodyOptions): StreamBodies {
  if (o.endpoint === '/v1/messages') return new MessagesBodies(o);
  if (o.endpoint === '/v1/responses') return new ResponsesBodies(o);
  return createBodies(flavor, o);
}
