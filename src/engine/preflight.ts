// The one-shot preflight: before any load, ask the server's /v1/models once, so an unreachable
// server, a bad API key or an unknown model stops the run at once with a message that says how
// to fix it (exit 1), instead of a run full of failed requests.

import { getText } from './get-text';

export class PreflightError extends Error {}

export interface PreflightResult {
  /** The model to name in requests. */
  model: string;
  listed: string[];
  /** The model's context length where the server lists it (vLLM, SGLang: max_model_len; llama.cpp: meta.n_ctx). */
  maxModelLen?: number;
  /** Who the server says owns the model (owned_by: vllm, sglang, llamacpp, ...). */
  ownedBy?: string;
}

interface ModelCard {
  id?: unknown;
  max_model_len?: unknown;
  owned_by?: unknown;
  meta?: { n_ctx?: unknown };
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** What the card of `model` tells about the server. */
function cardFacts(cards: ModelCard[], model: string): Pick<PreflightResult, 'maxModelLen' | 'ownedBy'> {
  const card = cards.find((c) => c.id === model);
  if (!card) return {};
  const maxModelLen = positiveInt(card.max_model_len) ?? positiveInt(card.meta?.n_ctx);
  return { ...(maxModelLen !== undefined && { maxModelLen }), ...(typeof card.owned_by === 'string' && { ownedBy: card.owned_by }) };
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
  let cards: ModelCard[] = [];
  if (res.status === 200) {
    try {
      const data = (JSON.parse(res.body) as { data?: unknown }).data;
      cards = Array.isArray(data) ? data.filter((m): m is ModelCard => typeof m === 'object' && m !== null) : [];
      listed = cards.map((m) => m.id).filter((id): id is string => typeof id === 'string');
    } catch {
      listed = [];
    }
  }
  if (model) {
    if (listed.length > 0 && !listed.includes(model)) {
      throw new PreflightError(`model "${model}" is not served at ${baseUrl} (it lists: ${listed.slice(0, 10).join(', ')}): fix --model, or --no-preflight to send anyway`);
    }
    return { model, listed, ...cardFacts(cards, model) };
  }
  if (listed.length === 0) {
    throw new PreflightError(`${url} answered ${res.status} and lists no model: pass --model NAME`);
  }
  return { model: listed[0], listed, ...cardFacts(cards, listed[0]) };
}

/** The model a run names: asked of the server (preflight), or the one given with --no-preflight. */
export async function runModel(target: { baseUrl: string; model?: string; apiKey?: string }, ask: boolean): Promise<string> {
  return (await runTarget(target, ask)).model;
}

/** The model and what the server lists about it (nothing more with --no-preflight). */
export async function runTarget(target: { baseUrl: string; model?: string; apiKey?: string }, ask: boolean): Promise<Omit<PreflightResult, 'listed'>> {
  if (!ask) {
    if (!target.model) throw Object.assign(new Error('--no-preflight needs --model NAME (the model cannot be asked of the server)'), { usage: true });
    return { model: target.model };
  }
  const auth: Record<string, string> = target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
  const { listed: _listed, ...facts } = await preflight(target.baseUrl, target.model, auth);
  return facts;
}
