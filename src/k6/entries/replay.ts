// dist/k6/replay.js: open-loop trace replay for a user's own stock k6 (>= 1.0) or Grafana Cloud
// k6 (docs/k6-export.md). The project itself never ships or runs k6.
import { createReplay } from '../replay';

const replay = createReplay();
export const options = replay.options;
export const setup = replay.setup;
export const handleSummary = replay.handleSummary;
export default replay.iteration;
export const scrape = replay.scrape; // the `scrape` scenario's exec function
