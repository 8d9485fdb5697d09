// The one-shot preflight: before any load, ask the server's /v1/models once, so an unreachable
// server, a bad API key or an unknown model stops the run at once with a message that says how
// to fix it (exit 1), instead of a run full of failed requests.

import { getText } from './get-text';

export class PreflightError extends Error {}

export interface PreflightResult {
  /** The model to name in requests. */
  model: string;
  listed: string[];
}

export async function preflight(baseUrl: string, model: string | undefined, headers: Record<string, string>): Promise<PreflightResult> {
  const url = `${baseUrl}/v1/models`;
  const res = await getText(url, headers, 10_000);
  if ('error' in res) {
    throw new PreflightError(`cannot reach ${baseUrl}: ${res.error} (is the server running? check --base-url; --no-preflight skips this check)`);
  }
  if (res.status === 401 || res.status === 403) {
    throw new PreflightError(`${url} answered ${res.status}: the server wants an API key (set OPENAI_API_KEY or API_KEY)`);
  }
  let listed: string[] = [];
  if (res.status === 200) {
    try {
      const data = (JSON.parse(res.body) as { data?: Array<{ id?: unknown }> }).data ?? [];
      listed = data.map((m) => m.id).filter((id): id is string => typeof id === 'string');
    } catch {
      listed = [];
    }
  }
  if (model) {
    if (listed.length > 0 && !listed.includes(model)) {
      throw new PreflightError(`model "${model}" is not served at ${baseUrl} (it lists: ${listed.slice(0, 10).join(', ')}): fix --model, or --no-preflight to send anyway`);
    }
    return { model, listed };
  }
  if (listed.length === 0) {
    throw new PreflightError(`${url} answered ${res.status} and lists no model: pass --model NAME`);
  }
  return { model: listed[0], listed };
}

/** The model a run names: asked of the server (preflight), or the one given with --no-preflight. */
export async function runModel(target: { baseUrl: string; model?: string; apiKey?: string }, ask: boolean): Promise<string> {
  if (!ask) {
    if (!target.model) throw Object.assign(new Error('--no-preflight needs --model NAME (the model cannot be asked of the server)'), { usage: true });
    return target.model;
  }
  const auth: Record<string, string> = target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
  return (await preflight(target.baseUrl, target.model, auth)).model;
}
