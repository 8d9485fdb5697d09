// A lenient parser for the Prometheus text exposition format (0.0.4, and the OpenMetrics text
// that some servers send): metric names with colons, escaped label values, NaN/+Inf, optional
// timestamps and exemplars. Lenient because it reads live servers during a load test: a line
// it cannot read is counted and skipped, never an exception. Pure; runs in k6 and Node.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` declarations by family name. */
  types: Record<string, string>;
  /** Lines that were neither samples, comments nor blank. */
  skippedLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseValue(s: string): number {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  // Number('') is 0 and Number('0x10') is 16: accept decimal floats only.
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN;
}

/** Reads `{a="x",b="y\"z"}` starting at text[i] === '{'; returns the labels and the index after '}', or null. */
function parseLabels(text: string, start: number): [Record<string, string>, number] | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return [labels, i + 1];
    const m = LABEL_NAME.exec(text.slice(i));
    if (!m) return null;
    i += m[0].length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') return null;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') return null;
    i++;
    let v = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return null;
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        v += e === 'n' ? '\n' : e;
        i += 2;
      } else {
        v += c;
        i++;
      }
    }
    labels[m[0]] = v;
    i++;
  }
}

function parseSample(line: string): Sample | null {
  const m = NAME.exec(line);
  if (!m) return null;
  const name = m[0];
  let i = name.length;
  let labels: Record<string, string> = {};
  if (line[i] === '{') {
    const parsed = parseLabels(line, i);
    if (!parsed) return null;
    [labels, i] = parsed;
  }
  // "value [timestamp] [# exemplar]": the value is the first field.
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest[0] === '' || rest[0] === undefined) return null;
  const value = parseValue(rest[0]);
  if (Number.isNaN(value) && rest[0] !== 'NaN') return null;
  return { name, labels, value };
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  let skippedLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '# EOF') continue;
    if (line[0] === '#') {
      const t = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (t) types[t[1]] = t[2];
      continue;
    }
    const s = parseSample(line);
    if (s) samples.push(s);
    else skippedLines++;
  }
  return { samples, types, skippedLines };
}
