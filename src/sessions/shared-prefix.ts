// System + tool tokens of each kv-cache-tester session (`system_tokens`, `tool_tokens` at the
// top level and on every sub-agent entry): the part of every request that production shares
// across sessions, which the warm-prefix option makes shared again. The canonical model does
// not carry these fields yet, so this reads them from the file beside the reader, naming
// sessions exactly as src/trace/formats/kvcache-tester.ts does ("<id>" and
// "<parent>/<agent_id>"). Formats without the fields give no entries (use WARM_PREFIX_TOKENS).

type Obj = Record<string, unknown>;

function tokensOf(o: Obj): number | undefined {
  const s = o.system_tokens;
  const t = o.tool_tokens;
  if (typeof s !== 'number' && typeof t !== 'number') return undefined;
  return (typeof s === 'number' ? s : 0) + (typeof t === 'number' ? t : 0);
}

function walk(o: Obj, id: string, out: Record<string, number>): void {
  const n = tokensOf(o);
  if (n !== undefined) out[id] = n;
  const reqs = Array.isArray(o.requests) ? (o.requests as unknown[]) : [];
  let subagents = 0;
  for (const r of reqs) {
    if (!r || typeof r !== 'object' || (r as Obj).type !== 'subagent') continue;
    subagents++;
    const agent = typeof (r as Obj).agent_id === 'string' ? ((r as Obj).agent_id as string) : `subagent-${subagents}`;
    walk(r as Obj, `${id}/${agent}`, out);
  }
}

function rootId(o: Obj, index: number): string {
  return typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : `trace-${index + 1}`;
}

/** Session id -> system + tool tokens, for a kv-cache-tester file (one object, or one per line). */
export function kvcacheTesterPrefixTokens(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const objects: Obj[] = [];
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) objects.push(v as Obj);
  } catch {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const v: unknown = JSON.parse(line);
        if (v && typeof v === 'object' && !Array.isArray(v)) objects.push(v as Obj);
      } catch {
        // the reader reports bad lines; nothing to take from them here
      }
    }
  }
  objects.forEach((o, i) => walk(o, rootId(o, i), out));
  return out;
}
