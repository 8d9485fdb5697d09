// dist/replay-http.js: the same replay on stock k6 / k6 Cloud (k6/http, non-streamed: E2E and
// token counts; no TTFT/ITL).
import { createReplay } from './replay-core';
import { httpPlatform } from './platform-http';

const replay = createReplay(httpPlatform);
export const options = replay.options;
export const setup = replay.setup;
export const handleSummary = replay.handleSummary;
export default replay.iteration;
export const scrape = replay.scrape; // the `scrape` scenario's exec function
