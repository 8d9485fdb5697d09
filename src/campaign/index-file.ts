// campaign.json, the index of a campaign's results directory (team contract,
// /work/team/campaign-contract.md and docs/campaigns.md): written whole to a temporary file and
// renamed after every change, so a reader or a crash never sees half of it.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SloObjective } from '../metrics/slo';
import type { LoadKind } from './file';
import type { PointLoad } from './plan';

export type PointStatus = 'done' | 'incomplete' | 'failed' | 'pending';

export interface IndexPoint {
  id: string;
  kind: 'replay' | 'sessions';
  labels: Record<string, string>;
  load: PointLoad;
  status: PointStatus;
  startedUnixMs?: number;
  endedUnixMs?: number;
  summary: string;
  requests: string;
  engineMetrics?: string;
  error?: string;
}

export interface CapacityProbe {
  value: number;
  attainment: number;
  pointId: string;
}

export interface CapacityResult {
  loadKind: LoadKind;
  target: number;
  /** Highest load whose attainment held the target; null when even the lowest failed. */
  answer: number | null;
  tolerance: number;
  confidence: string;
  probes: CapacityProbe[];
}

export interface CampaignIndex {
  version: 1;
  name: string;
  file: string;
  createdUnixMs: number;
  slo: SloObjective[];
  points: IndexPoint[];
  capacity?: CapacityResult;
}

export const INDEX_FILE = 'campaign.json';

export function pointPaths(id: string): Pick<IndexPoint, 'summary' | 'requests'> & { dir: string; engineMetrics: string } {
  const dir = `points/${id}`;
  return { dir, summary: `${dir}/summary.json`, requests: `${dir}/requests.jsonl`, engineMetrics: `${dir}/engine-metrics.jsonl` };
}

export function writeIndex(dir: string, index: CampaignIndex): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, INDEX_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(index, null, 2) + '\n');
  renameSync(tmp, path);
}

/** The index in `dir`, or null when there is none; a broken one throws naming the file. */
export function readIndex(dir: string): CampaignIndex | null {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) return null;
  try {
    const index = JSON.parse(readFileSync(path, 'utf8')) as CampaignIndex;
    if (index.version !== 1 || !Array.isArray(index.points)) throw new Error('not a version 1 campaign index');
    return index;
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}; move it away to start the campaign afresh`);
  }
}
