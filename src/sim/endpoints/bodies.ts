// The response writer for a request's endpoint.

import { Bodies, type BodyOptions } from '../sse.js';
import type { StreamBodies } from './stream-bodies.js';
import { MessagesBodies } from './messages-sse.js';
import { ResponsesBodies } from './responses-sse.js';

export function bodiesFor(o: BodyOptions): StreamBodies {
  if (o.endpoint === '/v1/messages') return new MessagesBodies(o);
  if (o.endpoint === '/v1/responses') return new ResponsesBodies(o);
  return new Bodies(o);
}
