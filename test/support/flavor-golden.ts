// Golden streams of each flavor (test/fixtures/flavors/*.sse): SSE files whose comment lines
// (`: …`) cite the upstream source, then the events. The response id and the creation time vary
// per run, so streams are compared with those replaced by {{RESPONSE_ID}} and {{CREATED}}.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'flavors');

/** The golden events of `file` (each `data: …`), with `{{NAME}}` replaced from `vars`. */
export function goldenEvents(file: string, vars: Record<string, string> = {}): string[] {
  let text = readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith(':'))
    .join('\n');
  for (const [k, v] of Object.entries(vars)) text = text.split(`{{${k}}}`).join(v);
  return text.split('\n\n').map((e) => e.trim()).filter((e) => e !== '');
}

/** A stream's events with its response id and creation time replaced by placeholders. */
export function normaliseStream(body: string): string[] {
  const events = body.split('\n\n').filter((e) => e !== '');
  let id: string | undefined;
  for (const e of events) {
    const m = /"id":("(?:[^"\\]|\\.)*")/.exec(e);
    if (m) {
      id = m[1];
      break;
    }
  }
  return events.map((e) => {
    let out = e.replace(/"created":\d+/g, '"created":{{CREATED}}');
    if (id) out = out.split(`"id":${id}`).join('"id":"{{RESPONSE_ID}}"');
    return out;
  });
}
