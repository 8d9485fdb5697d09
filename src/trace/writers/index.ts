import { AiperfWriter } from './aiperf';
import { CanonicalWriter } from './canonical';
import { MooncakeWriter } from './mooncake';
import type { RecordWriter } from './writer';

export const OUTPUT_FORMATS = ['canonical', 'aiperf', 'mooncake'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(s: string): s is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(s);
}

export function makeWriter(format: OutputFormat): RecordWriter {
  if (format === 'aiperf') return new AiperfWriter();
  if (format === 'mooncake') return new MooncakeWriter();
  return new CanonicalWriter();
}
