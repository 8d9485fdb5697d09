// The Prometheus remote-write 1.0 message (prompb.WriteRequest, with the native-histogram fields
// of Prometheus >= 2.40), encoded with protobufjs and compressed with snappy's block format as
// the protocol requires. Field numbers are those of prometheus/prompb/types.proto and remote.proto.

import type { Type } from 'protobufjs';
import type { BucketSpan } from './native-histogram';

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Histogram histograms = 4;
}
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message Histogram {
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  int32 reset_hint = 14;
  int64 timestamp = 15;
}
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
`;

interface Codec {
  WriteRequest: Type;
  compress(b: Uint8Array): Uint8Array;
  uncompress(b: Uint8Array): Uint8Array;
}
let codec: Promise<Codec> | undefined;

/** protobufjs and snappyjs, loaded with the first remote write: a run without one never loads them. */
function loadCodec(): Promise<Codec> {
  codec ??= Promise.all([import('protobufjs'), import('snappyjs')]).then(([pb, snappy]) => ({
    WriteRequest: pb.default.parse(PROTO, { keepCase: true }).root.lookupType('prometheus.WriteRequest'),
    compress: snappy.compress,
    uncompress: snappy.uncompress,
  }));
  return codec;
}

export interface Label {
  name: string;
  value: string;
}

export interface FloatSample {
  value: number;
  timestamp: number;
}

export interface HistogramSample {
  count_int: number;
  sum: number;
  schema: number;
  zero_threshold: number;
  zero_count_int: number;
  negative_spans: BucketSpan[];
  negative_deltas: number[];
  positive_spans: BucketSpan[];
  positive_deltas: number[];
  timestamp: number;
}

export interface TimeSeries {
  /** Sorted by name, __name__ included. */
  labels: Label[];
  samples?: FloatSample[];
  histograms?: HistogramSample[];
}

/** The HTTP body of one remote-write request. */
export async function encodeWriteRequest(timeseries: TimeSeries[]): Promise<Uint8Array> {
  const { WriteRequest, compress } = await loadCodec();
  return compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish());
}

/** The inverse of encodeWriteRequest (tests, debugging). */
export async function decodeWriteRequest(body: Uint8Array): Promise<{ timeseries: TimeSeries[] }> {
  const { WriteRequest, uncompress } = await loadCodec();
  const msg = WriteRequest.decode(uncompress(body));
  return WriteRequest.toObject(msg, { longs: Number, defaults: false, arrays: true }) as { timeseries: TimeSeries[] };
}

/** Headers of the remote-write 1.0 protocol. */
export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
} as const;

/** Prometheus' staleness marker (a NaN with this exact bit pattern ends a series). */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];
