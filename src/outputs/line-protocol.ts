// InfluxDB v1 line protocol for engine samples, in the layout k6's `--out influxdb` writes: one
// measurement per metric, the value in field "value" (a float, Trend times in ms), the sample's
// tags as tags, except the high-cardinality ones k6 moves to fields (K6_INFLUXDB_TAGS_AS_FIELDS,
// default "vu:int,iter:int,url"), and a nanosecond timestamp. Pure.
// Escaping: https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/

import type { Sample } from './sample';

export type FieldType = 'int' | 'float' | 'bool' | 'string';

/** Tag keys written as fields instead of tags, with the field's type. */
export type TagsAsFields = ReadonlyMap<string, FieldType>;

/** k6's default: vu and iter as integers, url as a string. */
export const K6_DEFAULT_TAGS_AS_FIELDS = 'vu:int,iter:int,url';

const FIELD_TYPES: readonly FieldType[] = ['int', 'float', 'bool', 'string'];

/** Parses K6_INFLUXDB_TAGS_AS_FIELDS syntax ("vu:int,iter:int,url"); throws naming the bad entry. */
export function parseTagsAsFields(spec: string): Map<string, FieldType> {
  const out = new Map<string, FieldType>();
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [key, type = 'string', extra] = entry.split(':');
    if (!key || extra !== undefined || !FIELD_TYPES.includes(type as FieldType)) {
      throw new Error(`tags-as-fields entry "${entry}": use KEY or KEY:TYPE with TYPE one of ${FIELD_TYPES.join(', ')} (e.g. vu:int,iter:int,url)`);
    }
    out.set(key, type as FieldType);
  }
  return out;
}

/** Measurement names: commas and spaces are escaped. */
export function escapeMeasurement(s: string): string {
  return writable(s).replace(/[, ]/g, '\\$&');
}

/** Tag keys, tag values and field keys: commas, equals signs and spaces are escaped. */
export function escapeKey(s: string): string {
  return writable(s).replace(/[,= ]/g, '\\$&');
}

/** String field values: double-quoted, with quotes and backslashes escaped. */
export function quoteString(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

// InfluxDB 1.x unescapes only "\,", "\=" and "\ " in names and tags and keeps other backslashes
// as they are, but a backslash right before a separator (or at the end) would escape it, and a
// line break would end the point: such characters are written as "/" and "\n" text instead.
function writable(s: string): string {
  return s.replace(/\\(?=[,= ]|$)/g, '/').replace(/\r?\n|\r/g, '\\n');
}

/** Floats as InfluxDB parses them (decimal or exponent); undefined for NaN and infinities. */
function formatFloat(v: number): string | undefined {
  return Number.isFinite(v) ? String(v) : undefined;
}

function formatField(value: string, type: FieldType): string | undefined {
  switch (type) {
    case 'string':
      return quoteString(value);
    case 'bool':
      return value === 'true' || value === 'false' ? value : undefined;
    case 'int': {
      const n = Number(value);
      return Number.isSafeInteger(n) && value.trim() !== '' ? `${n}i` : undefined;
    }
    case 'float':
      return value.trim() === '' ? undefined : formatFloat(Number(value));
  }
}

/** Unix ms (with a sub-ms fraction) as integer nanoseconds, exactly: ms * 1e6 does not fit a double. */
export function unixMsToNs(ms: number): string {
  let whole = Math.floor(ms);
  let micro = Math.round((ms - whole) * 1e6);
  if (micro >= 1e6) {
    whole += 1;
    micro -= 1e6;
  }
  return whole === 0 ? String(micro) : `${whole}${String(micro).padStart(6, '0')}`;
}

/** The ",tag=v..." part and the extra fields of a tag set, encoded once per tags object. */
type EncodedTags = { tags: string; fields: string };
const encodedTags = new WeakMap<TagsAsFields, WeakMap<object, EncodedTags>>();

function encodeTags(tagSet: Record<string, string>, tagsAsFields: TagsAsFields): EncodedTags {
  let cache = encodedTags.get(tagsAsFields);
  if (!cache) encodedTags.set(tagsAsFields, (cache = new WeakMap()));
  const hit = cache.get(tagSet);
  if (hit) return hit;
  let tags = '';
  let fields = '';
  for (const key of Object.keys(tagSet).sort()) {
    const v = tagSet[key];
    // InfluxDB refuses empty tag values; a missing tag reads as empty anyway.
    if (v === undefined || v === '') continue;
    const asField = tagsAsFields.get(key);
    if (asField) {
      const f = formatField(v, asField);
      if (f !== undefined) fields += `,${escapeKey(key)}=${f}`;
    } else {
      tags += `,${escapeKey(key)}=${escapeKey(v)}`;
    }
  }
  const out = { tags, fields };
  // Samples that share a tags object (the engine's per-series tags) are encoded once.
  if (Object.isFrozen(tagSet)) cache.set(tagSet, out);
  return out;
}

/** One point, or undefined when the value cannot be written (NaN, infinite). */
export function encodePoint(s: Sample, tagsAsFields: TagsAsFields): string | undefined {
  const value = formatFloat(s.value);
  if (value === undefined) return undefined;
  const t = encodeTags(s.tags, tagsAsFields);
  return `${escapeMeasurement(s.metric)}${t.tags} value=${value}${t.fields} ${unixMsToNs(s.timeUnixMs)}`;
}
