// llama-server's /metrics as vendored in llama-cpp-python 0.3.36
// (vendor/llama.cpp/tools/server/server-task.cpp:1523-1600): unlabelled counters and gauges,
// each `# HELP llamacpp:<name>`, `# TYPE llamacpp:<name> <type>`, then the value as a C++
// ostream prints a double. prompt_tokens_total excludes cached tokens, which
// prompt_tokens_cached_total counts; there is no KV-usage series and no histogram.

import type { FinishedRequest, FlavorMetrics, LiveState, SimMetrics } from '../metrics.js';

/** A double as `std::ostream << double` prints it (%g, 6 significant digits). */
export function cppDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = v.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

interface Item {
  name: string;
  help: string;
  value: number;
}

export class LlamacppMetrics implements FlavorMetrics {
  private tokensMax = 0;
  private busySlots = 0;
  private decodes = 0;

  constructor(private readonly sim: SimMetrics) {}

  /** One llama_decode() call with `seqs` busy slots (n_busy_slots_per_decode). */
  step(seqs: number): void {
    this.decodes++;
    this.busySlots += seqs;
  }

  requestFinished(f: FinishedRequest): void {
    this.tokensMax = Math.max(this.tokensMax, f.promptTokens + f.completionTokens);
  }

  render(live: LiveState): string {
    const m = this.sim;
    const L = m.labels;
    const prompt = m.promptTokens.get(L);
    const cached = m.promptCached.get(L);
    const promptS = m.prefill.snapshot(L).sum;
    const predicted = m.generationTokens.get(L);
    const predictS = m.decode.snapshot(L).sum;
    const counters: Item[] = [
      { name: 'prompt_tokens_total', help: 'Number of prompt tokens processed, excluding cached tokens', value: prompt - cached },
      { name: 'prompt_tokens_cached_total', help: 'Number of prompt tokens reused from the cache', value: cached },
      { name: 'prompt_seconds_total', help: 'Total time spent processing prompts', value: promptS },
      { name: 'tokens_predicted_total', help: 'Number of generation tokens processed', value: predicted },
      { name: 'tokens_predicted_seconds_total', help: 'Total time spent generating tokens', value: predictS },
      { name: 'n_decode_total', help: 'Total number of llama_decode() calls, excluding speculative decoding and multimodal decoding', value: this.decodes },
      { name: 'n_tokens_max', help: 'Largest observed sequence length (prompt + generation)', value: this.tokensMax },
      { name: 'spec_decode_num_draft_tokens_total', help: 'Speculative: Total draft tokens generated', value: 0 },
      { name: 'spec_decode_num_accepted_tokens_total', help: 'Speculative: Total draft tokens accepted by the target model', value: 0 },
      { name: 'spec_decode_num_drafts_total', help: 'Speculative: Total speculative decoding verification steps', value: 0 },
    ];
    const gauges: Item[] = [
      { name: 'prompt_tokens_seconds', help: 'Average prompt throughput in tokens/s', value: promptS > 0 ? (prompt - cached) / promptS : 0 },
      { name: 'predicted_tokens_seconds', help: 'Average generation throughput in tokens/s', value: predictS > 0 ? predicted / predictS : 0 },
      { name: 'requests_processing', help: 'Number of requests processing', value: live.running },
      { name: 'requests_deferred', help: 'Number of requests deferred', value: live.waiting },
      { name: 'n_busy_slots_per_decode', help: 'Average number of busy slots per llama_decode() call', value: this.busySlots / Math.max(this.decodes, 1) },
    ];
    let out = '';
    const add = (type: string, items: Item[]): void => {
      for (const it of items) out += `# HELP llamacpp:${it.name} ${it.help}\n# TYPE llamacpp:${it.name} ${type}\nllamacpp:${it.name} ${cppDouble(it.value)}\n`;
    };
    add('counter', counters);
    add('gauge', gauges);
    return out;
  }
}
