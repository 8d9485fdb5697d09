// A small strict parser for the Prometheus text exposition format 0.0.4, used by the tests to
// check /metrics (and usable by anyone who needs to read a scrape in a script). Strict: any
// line it does not understand, a sample before its family's TYPE, a duplicate series, a
// non-cumulative histogram or a +Inf bucket that differs from _count is an error naming the
// line. Pure.

import { parseValue as parseNumber } from '../observe/exposition';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  line: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export class PromParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'PromParseError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The lenient parser's number rules (src/observe/exposition.ts), strictly: a bad value is an error. */
function parseValue(s: string, line: number): number {
  const v = parseNumber(s);
  if (Number.isNaN(v) && s !== 'NaN') throw new PromParseError(line, `bad value "${s}"`);
  return v;
}

function suffixes(type: MetricType): string[] {
  switch (type) {
    case 'counter':
      return ['_total', '_created', ''];
    case 'histogram':
      return ['_bucket', '_sum', '_count', '_created'];
    case 'summary':
      return ['', '_sum', '_count', '_created'];
    default:
      return [''];
  }
}

function parseSampleLine(text: string, line: number): Sample {
  const m = NAME.exec(text);
  if (!m) throw new PromParseError(line, `expected a metric name in "${text}"`);
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (text[i] === '{') {
    i++;
    for (;;) {
      while (text[i] === ' ') i++;
      if (text[i] === '}') {
        i++;
        break;
      }
      const lm = LABEL.exec(text.slice(i));
      if (!lm) throw new PromParseError(line, `bad label name at column ${i + 1}`);
      const lname = lm[0];
      i += lname.length;
      if (text[i] !== '=' || text[i + 1] !== '"') throw new PromParseError(line, `expected ="value" after label ${lname}`);
      i += 2;
      let v = '';
      for (;;) {
        const c = text[i];
        if (c === undefined) throw new PromParseError(line, `unterminated value of label ${lname}`);
        if (c === '"') break;
        if (c === '\\') {
          const e = text[i + 1];
          if (e === 'n') v += '\n';
          else if (e === '\\' || e === '"') v += e;
          else throw new PromParseError(line, `bad escape \\${e} in label ${lname}`);
          i += 2;
        } else {
          v += c;
          i++;
        }
      }
      i++;
      if (lname in labels) throw new PromParseError(line, `label ${lname} given twice`);
      labels[lname] = v;
      while (text[i] === ' ') i++;
      if (text[i] === ',') i++;
      else if (text[i] !== '}') throw new PromParseError(line, `expected , or } at column ${i + 1}`);
    }
  }
  if (text[i] !== ' ') throw new PromParseError(line, `expected a space before the value`);
  const rest = text.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new PromParseError(line, `expected "value [timestamp]"`);
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1])) throw new PromParseError(line, `bad timestamp "${rest[1]}"`);
  return { name, labels, value: parseValue(rest[0], line), line };
}

function seriesKey(s: Sample): string {
  return s.name + JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Parses an exposition; returns its families by name. Throws PromParseError. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const familyOf = (sampleName: string): Family | undefined => {
    for (const f of [current, ...families.values()]) {
      if (!f) continue;
      for (const suf of suffixes(f.type)) if (sampleName === f.name + suf) return f;
    }
    return undefined;
  };
  lines.forEach((raw, idx) => {
    const ln = idx + 1;
    const text = raw.trimEnd();
    if (text === '') return;
    if (text.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(text);
      if (!m) return; // plain comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name) || NAME.exec(name)![0] !== name) throw new PromParseError(ln, `bad metric name "${name}"`);
      let f = families.get(name);
      if (f && closed.has(name)) throw new PromParseError(ln, `${kind} for ${name} after its samples ended`);
      if (!f) {
        f = { name, type: 'untyped', samples: [] };
        families.set(name, f);
      }
      if (current && current !== f) closed.add(current.name);
      current = f;
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new PromParseError(ln, `unknown type "${rest}"`);
        if (f.samples.length) throw new PromParseError(ln, `TYPE for ${name} after its samples`);
        f.type = rest as MetricType;
      } else {
        if (f.help !== undefined) throw new PromParseError(ln, `second HELP for ${name}`);
        f.help = rest;
      }
      return;
    }
    const s = parseSampleLine(text, ln);
    let f = familyOf(s.name);
    if (!f) {
      if (families.has(s.name)) throw new PromParseError(ln, `sample ${s.name} outside its family`);
      f = { name: s.name, type: 'untyped', samples: [] };
      families.set(s.name, f);
    }
    if (closed.has(f.name)) throw new PromParseError(ln, `samples of ${f.name} are not contiguous`);
    if (current && current !== f) closed.add(current.name);
    current = f;
    if (f.type === 'histogram' && s.name === f.name + '_bucket' && !('le' in s.labels)) throw new PromParseError(ln, `bucket without le`);
    const key = seriesKey(s);
    if (seen.has(key)) throw new PromParseError(ln, `duplicate series ${key}`);
    seen.add(key);
    f.samples.push(s);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { buckets: [] }));
    if (s.name.endsWith('_bucket')) g.buckets.push([parseValue(le, s.line), s.value, s.line]);
    else if (s.name.endsWith('_count')) g.count = s.value;
    else if (s.name.endsWith('_sum')) g.sum = s.value;
  }
  for (const g of groups.values()) {
    const b = g.buckets.sort((x, y) => x[0] - y[0]);
    if (b.length === 0 || b[b.length - 1][0] !== Infinity) throw new PromParseError(b[0]?.[2] ?? 0, `${f.name}: no +Inf bucket`);
    for (let i = 1; i < b.length; i++)
      if (b[i][1] < b[i - 1][1]) throw new PromParseError(b[i][2], `${f.name}: buckets are not cumulative`);
    if (g.count === undefined || g.sum === undefined) throw new PromParseError(b[0][2], `${f.name}: missing _count or _sum`);
    if (b[b.length - 1][1] !== g.count) throw new PromParseError(b[b.length - 1][2], `${f.name}: +Inf bucket differs from _count`);
  }
}

/** The value of one series: the sample named `name` whose labels include `labels`. */
export function sampleValue(fams: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of fams.values())
    for (const s of f.samples)
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
  return undefined;
}
