// deploy/kubernetes cannot run here (no cluster, no Docker daemon): parse the manifests and
// check what the scripts rely on, feeding the instances' arguments to our own flag reader.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { readReplaySettings } from '../../../src/cli/replay';

const DIR = 'deploy/kubernetes';
const doc = <T>(file: string) => parse(readFileSync(`${DIR}/${file}`, 'utf8')) as T;

interface EnvVar { name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string }; secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }
interface Container { name: string; image: string; args?: string[]; command?: string[]; env?: EnvVar[]; securityContext?: Record<string, unknown>; volumeMounts?: { mountPath: string }[] }
interface Job { apiVersion: string; kind: string; metadata: { name: string }; spec: { completionMode?: string; completions?: number; parallelism?: number; backoffLimit?: number; template: { spec: { securityContext: { runAsNonRoot: boolean }; containers: Container[]; restartPolicy: string } } } }

const config = doc<{ data: Record<string, string> }>('00-run-config.yaml').data;
const secret = doc<{ metadata: { name: string }; stringData: Record<string, string> }>('secret.example.yaml');
const jobs = ['10-starter-job.yaml', '20-instances-job.yaml', '30-merge-job.yaml'].map((f) => doc<Job>(f));
const [starter, instances, merge] = jobs;
const container = (j: Job) => j.spec.template.spec.containers[0];

/** The container's args with $(VAR) expanded as Kubernetes does, from the ConfigMap and `extra`. */
function expanded(c: Container, extra: Record<string, string>): string[] {
  const values: Record<string, string> = { ...extra };
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.configMapKeyRef;
    if (ref) values[e.name] = config[ref.key];
  }
  return (c.args ?? []).map((a) => a.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => values[name] ?? `$(${name})`));
}

describe('deploy/kubernetes: the Jobs of a multi-host run', () => {
  it('every $(VAR) in args is declared in the container env, from the ConfigMap, the Secret or the pod', () => {
    for (const j of jobs) {
      const c = container(j);
      const declared = new Set((c.env ?? []).map((e) => e.name));
      for (const [, name] of (c.args ?? []).join(' ').matchAll(/\$\(([A-Z_]+)\)/g)) expect(declared, `${j.metadata.name}: $(${name})`).toContain(name);
      for (const e of c.env ?? []) {
        if (e.valueFrom?.configMapKeyRef) {
          expect(e.valueFrom.configMapKeyRef.name).toBe('llm-replay-run');
          expect(Object.keys(config), `${j.metadata.name}: ${e.name}`).toContain(e.valueFrom.configMapKeyRef.key);
        }
        if (e.valueFrom?.secretKeyRef) {
          expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
          expect(Object.keys(secret.stringData)).toContain(e.valueFrom.secretKeyRef.key);
        }
      }
    }
  });

  it('run non-root, read-only, one image, no retries that would start after the start', () => {
    const images = new Set(jobs.map((j) => container(j).image));
    expect(images.size).toBe(1);
    for (const j of jobs) {
      expect(j.apiVersion).toBe('batch/v1');
      expect(j.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(j.spec.template.spec.restartPolicy).toBe('Never');
      expect(container(j).securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(container(j).volumeMounts?.map((m) => m.mountPath)).toContain('/tmp');
      // The image's installed bundle, never a TypeScript loader.
      expect(container(j).command).toEqual(['llm-replay']);
    }
    expect(instances.spec.backoffLimit).toBe(0);
  });

  it('the instances: an Indexed Job of SEGMENTS pods; pod N reads as segment N of our replay flags', () => {
    expect(instances.spec).toMatchObject({ completionMode: 'Indexed', completions: Number(config.SEGMENTS), parallelism: Number(config.SEGMENTS) });
    const c = container(instances);
    expect(c.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    const args = expanded(c, { JOB_COMPLETION_INDEX: '2' });
    expect(args[0]).toBe('replay');
    const s = readReplaySettings(args.slice(1), { JOB_COMPLETION_INDEX: '2' });
    if (s === 'help') throw new Error('help');
    expect(s.segment).toBe('1/2:3/4');
    expect(s.sequence).toBe('0,1/4,1/2,3/4,1');
    expect(s.cfg.trace).toBe(config.TRACE_URL);
    expect(s.cfg.summaryJson).toBe(`${config.RESULTS_PREFIX}segment-2.json`);
    expect(s.outs).toContain(`jsonl=${config.RESULTS_PREFIX}segment-2.jsonl`);
    expect(s.start).toEqual({ file: config.START_URL, waitMs: 600_000 });
  });

  it('the starter writes where the instances poll; the merge reads where they write', () => {
    expect(expanded(container(starter), {})).toEqual(['start', '--in-s', config.START_MARGIN_S, '--write', config.START_URL]);
    expect(expanded(container(merge), {})).toEqual(['report', 'merge', config.RESULTS_PREFIX, '--out', config.MERGED_URL]);
    expect(config.RESULTS_PREFIX).toMatch(/^s3:\/\/.+\/$/);
    // The merged result and the start file are not *.json results under the prefix.
    expect(config.MERGED_URL.startsWith(config.RESULTS_PREFIX)).toBe(false);
    expect(config.START_URL.startsWith(config.RESULTS_PREFIX)).toBe(false);
  });
});

describe('deploy/kubernetes/k6-operator: TestRuns of the k6 export', () => {
  interface TestRun { apiVersion: string; kind: string; spec: { parallelism: number; script: { configMap: { name: string; file: string } }; arguments: string; runner: { image: string; initContainers?: Container[]; volumeMounts?: { mountPath: string }[] } } }
  const runs = ['testrun.yaml', 'testrun-s3.yaml'].map((f) => doc<TestRun>(`k6-operator/${f}`));

  it('k6.io/v1alpha1 TestRuns with parallelism, the script from the ConfigMap, TRACE as an absolute path', () => {
    for (const r of runs) {
      expect(r.apiVersion).toBe('k6.io/v1alpha1');
      expect(r.kind).toBe('TestRun');
      expect(r.spec.parallelism).toBeGreaterThan(1);
      expect(r.spec.script.configMap).toEqual({ name: 'llm-replay-k6', file: 'replay.js' });
      expect(r.spec.arguments).toMatch(/-e TRACE=\/\S+/);
      expect(r.spec.arguments).toMatch(/-e RUN_ID=\S+/);
      expect(r.spec.arguments, 'the operator gives the segments').not.toMatch(/execution-segment/);
    }
    // The ConfigMap's documented files are the ones the runs open (/test is where the operator mounts it).
    const text = readFileSync(`${DIR}/k6-operator/testrun.yaml`, 'utf8');
    expect(text).toMatch(/--from-file=trace\.jsonl=/);
    expect(runs[0].spec.arguments).toMatch(/-e TRACE=\/test\/trace\.jsonl/);
  });

  it('the S3 variant: an init container fetches the trace with k6-jslib-aws into the volume TRACE points at', () => {
    const r = runs[1];
    const init = r.spec.runner.initContainers![0];
    expect(init.command).toEqual(['k6', 'run', '--quiet', '--no-usage-report', '/test/fetch-trace.js']);
    const out = init.env!.find((e) => e.name === 'TRACE_OUT')!.value!;
    expect(r.spec.arguments).toContain(`-e TRACE=${out}`);
    expect(r.spec.runner.volumeMounts!.some((m) => out.startsWith(m.mountPath + '/'))).toBe(true);
    const script = readFileSync(`${DIR}/k6-operator/fetch-trace.js`, 'utf8');
    expect(script).toMatch(/from 'https:\/\/jslib\.k6\.io\/aws\/\d+\.\d+\.\d+\/s3\.js'/);
    expect(script).toMatch(/handleSummary/);
  });

  it('every manifest is one YAML document that parses', () => {
    const files = [...readdirSync(DIR).filter((f) => f.endsWith('.yaml')), ...readdirSync(`${DIR}/k6-operator`).filter((f) => f.endsWith('.yaml')).map((f) => `k6-operator/${f}`)];
    expect(files.length).toBe(7);
    for (const f of files) {
      const docs = parseAllDocuments(readFileSync(`${DIR}/${f}`, 'utf8'));
      expect(docs.map((d) => d.errors.length), f).toEqual([0]);
    }
  });
});

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  it('multi-stage: the native core built portably and smoke-tested, Node 20 LTS, the packed tarball installed in the final stage (bundle, no sources, no tsx), non-root', () => {
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.length).toBe(3);
    const [native, build, final] = stages;
    expect(native).toMatch(/^rust:/);
    expect(native).toMatch(/cargo build --release --locked --features node/);
    expect(text.replace(/^#.*$/gm, '')).not.toMatch(/target-cpu=native|-march=native/);
    for (const s of [build, final]) expect(s).toMatch(/^node:20-/);
    expect(build).toMatch(/COPY --from=native [^\n]*dist\/native\/k6lr_io\.node/);
    expect(build).toMatch(/node scripts\/native\/smoke\.mjs dist\/native\/k6lr_io\.node/);
    expect(build).toMatch(/scripts\/bundle-cli\.ts/);
    expect(build).toMatch(/npm pack/);
    expect(final).toMatch(/ca-certificates/);
    expect(final).toMatch(/npm install -g [^\n]*k6-llm-replay\.tgz/);
    expect(final).not.toMatch(/COPY src|COPY bin|tsx/);
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/ENTRYPOINT \["llm-replay"\]/);
  });
});
