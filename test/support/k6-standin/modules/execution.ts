// Stand-in for `k6/execution`: the scenario, VU and test state the host sets before each call.
import { host } from '../host';

const exec = {
  get scenario() {
    const h = host();
    return { name: h.scenario.name, startTime: h.scenario.startTimeMs, iterationInTest: h.vu.iterationInTest, iterationInInstance: h.vu.iterationInTest };
  },
  get vu() {
    const h = host();
    return { idInTest: h.vu.id, idInInstance: h.vu.id, iterationInScenario: h.vu.iterationInTest, metrics: { tags: h.vu.tags, metadata: h.vu.metadata } };
  },
  get test() {
    return { options: { executionSegment: host().options.executionSegment }, abort(reason?: string): never { throw new Error(`test aborted: ${reason ?? ''}`); } };
  },
  get instance() {
    const h = host();
    return { currentTestRunDuration: h.clock.nowMs - h.scenario.startTimeMs, vusActive: 1, vusInitialized: 1, iterationsCompleted: 0, iterationsInterrupted: 0 };
  },
};

export default exec;
