// The outputs of a run from its --out flags: the per-request JSONL file, and the metric outputs
// (InfluxDB, Prometheus remote write) fed with every sample of the registry. An output that
// cannot start stops the run before it sends anything (exit 1). The JSONL file and the summary
// may be s3:// URLs: the bucket is checked before the run, the JSONL is spooled to a local
// temporary file while the run goes (no S3 call on the send path) and uploaded at the end.

import { createOutput, OutputSpecError } from '../outputs/factory';
import { JsonlWriter } from '../outputs/jsonl';
import type { Output, Sample } from '../outputs/sample';
import type { Registry } from '../engine/metrics';
import { UsageError } from './flags';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBucket, isS3Url } from '../storage/s3';
import { uploadFile } from '../storage/store';

export interface RunOutputs {
  jsonl?: JsonlWriter;
  /** True when some output takes samples (worker threads then forward theirs). */
  wantsSamples: boolean;
  add(samples: readonly Sample[]): void;
  close(log: (t: string) => void): Promise<void>;
}

/**
 * `summaryJson`, when given, is checked too (an s3:// bucket must answer before the run).
 * `own` outputs (the live dashboard) are started and fed here but stopped by their owner.
 */
export async function openOutputs(specs: readonly string[], registry: Registry, summaryJson?: string, own: readonly Output[] = []): Promise<RunOutputs> {
  let jsonl: JsonlWriter | undefined;
  let upload: { url: string; dir: string } | undefined;
  const outputs: Output[] = [...own];
  if (isS3Url(summaryJson)) await checkBucket(summaryJson);
  for (const spec of specs) {
    if (spec === 'jsonl' || spec.startsWith('jsonl=')) {
      const path = spec.slice(6);
      if (!path) throw new UsageError('--out jsonl=FILE: name the file, e.g. --out jsonl=results/requests.jsonl');
      if (isS3Url(path)) {
        await checkBucket(path);
        upload = { url: path, dir: mkdtempSync(join(tmpdir(), 'llm-replay-jsonl-')) };
      }
      jsonl = new JsonlWriter(upload ? join(upload.dir, 'requests.jsonl') : path);
      continue;
    }
    try {
      outputs.push(createOutput(spec));
    } catch (e) {
      if (e instanceof OutputSpecError) throw new UsageError(e.message);
      throw e;
    }
  }
  for (const o of outputs) {
    try {
      await o.start();
    } catch (e) {
      throw new Error(`--out ${o.description}: ${(e as Error).message}`);
    }
  }
  const add = (samples: readonly Sample[]) => {
    for (const o of outputs) o.add(samples);
  };
  if (outputs.length) registry.onSample((s) => add([s]));
  return {
    jsonl,
    wantsSamples: outputs.length > 0,
    add,
    async close(log) {
      for (const o of outputs) {
        if (own.includes(o)) continue;
        try {
          await o.stop();
        } catch (e) {
          log(`--out ${o.description}: ${(e as Error).message}`);
        }
      }
      if (jsonl) await jsonl.close();
      if (jsonl && upload) {
        try {
          await uploadFile(jsonl.path, upload.url, 'application/x-ndjson');
        } finally {
          rmSync(upload.dir, { recursive: true, force: true });
        }
      }
    },
  };
}
