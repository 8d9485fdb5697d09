// dist/k6/sessions.js: closed-loop agentic sessions for a user's own stock k6 (>= 1.0) or
// Grafana Cloud k6 (docs/k6-export.md). The project itself never ships or runs k6.
import { createSessions } from '../sessions';

const sessions = createSessions();
export const options = sessions.options;
export const setup = sessions.setup;
export const handleSummary = sessions.handleSummary;
export default sessions.iteration;
export const scrape = sessions.scrape; // the `scrape` scenario's exec function
