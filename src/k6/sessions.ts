// dist/sessions.js: closed-loop agentic sessions with sub-agents (needs the xk6 build, build/k6).
import { createSessions } from './sessions-core';
import { llmstreamPlatform } from './platform-llmstream';

const sessions = createSessions(llmstreamPlatform);
export const options = sessions.options;
export const setup = sessions.setup;
export const handleSummary = sessions.handleSummary;
export default sessions.iteration;
export const scrape = sessions.scrape; // the `scrape` scenario's exec function
