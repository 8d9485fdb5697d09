import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTrace, type TraceReadOptions } from '../../../src/trace/read';

export const TRACES = join(__dirname, '../../../traces');

export function sample(name: string): string {
  return readFileSync(join(TRACES, name), 'utf8');
}

export function readSample(name: string, o: TraceReadOptions = {}) {
  return readTrace(sample(name), name, o);
}
