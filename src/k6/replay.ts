// dist/replay.js: open-loop trace replay with streamed responses (needs the xk6 build, build/k6).
import { createReplay } from './replay-core';
import { llmstreamPlatform } from './platform-llmstream';

const replay = createReplay(llmstreamPlatform);
export const options = replay.options;
export const setup = replay.setup;
export const handleSummary = replay.handleSummary;
export default replay.iteration;
export const scrape = replay.scrape; // the `scrape` scenario's exec function
