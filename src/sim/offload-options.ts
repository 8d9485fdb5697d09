// Flags of the KV tiers below the GPU blocks (--kv-cpu-*, --kv-disk-*, --kv-bytes-per-token):
// capacity in decimal GB or in blocks, bandwidth in GB/s and a per-load latency per tier, each
// overriding the preset's. Off unless a capacity is given (a capacity of 0 turns a preset's
// tier off). Errors name the flag.

import type { OffloadConfig, TierName, TierSpec } from './kv-tiers.js';
import { type OptDef, OptionsError, num } from './option-parse.js';
import { type EnginePreset, TIER_DEFAULTS, kvBytesPerToken } from './presets.js';

const LABEL: Record<TierName, string> = { cpu: 'CPU', disk: 'disk' };

function tierOpts(t: TierName): OptDef[] {
  const d = TIER_DEFAULTS[t];
  const group = 'KV offload (tiers below the GPU blocks; off unless a capacity is given)';
  const what = t === 'cpu' ? 'CPU-memory KV tier: evicted GPU blocks go here' : 'disk KV tier: blocks evicted from the CPU tier (or the GPU, without one) go here';
  return [
    { name: `kv-${t}-gb`, kind: 'string', arg: 'GB', group, help: `${what}; capacity in GB (1e9 bytes; 0 = off)` },
    { name: `kv-${t}-blocks`, kind: 'string', arg: 'N', group, help: `the ${LABEL[t]} tier's capacity in KV blocks instead of GB` },
    { name: `kv-${t}-gbps`, kind: 'string', arg: 'GBPS', group, def: String(d.gbps), help: `bandwidth of loads from the ${LABEL[t]} tier, GB/s` },
    { name: `kv-${t}-latency-ms`, kind: 'string', arg: 'MS', group, def: String(d.latencyMs), help: `fixed cost of one load from the ${LABEL[t]} tier, model ms` },
  ];
}

export const OFFLOAD_OPTS: OptDef[] = [
  ...tierOpts('cpu'),
  ...tierOpts('disk'),
  {
    name: 'kv-bytes-per-token',
    kind: 'string',
    arg: 'N',
    group: 'KV offload (tiers below the GPU blocks; off unless a capacity is given)',
    help: 'bytes of KV per token moved by loads and stores (default: from the preset model: 2 x layers x KV heads x head size x dtype bytes)',
  },
];

/** One tier from flags over the preset, or undefined when it is off. */
function resolveTier(t: TierName, get: (flag: string) => string | undefined, preset: EnginePreset, blockBytes: number): TierSpec | undefined {
  const f = (k: string): string => `kv-${t}-${k}`;
  const fromPreset = preset.offload?.[t];
  const gbFlag = num(get(f('gb')), f('gb'), { min: 0 });
  const blocksFlag = num(get(f('blocks')), f('blocks'), { int: true, min: 0 });
  if (gbFlag !== undefined && blocksFlag !== undefined) throw new OptionsError(`--${f('gb')} and --${f('blocks')} both give the ${LABEL[t]} tier's capacity: keep one`);
  const gbps = num(get(f('gbps')), f('gbps'), { gt: 0 });
  const latencyMs = num(get(f('latency-ms')), f('latency-ms'), { min: 0 });
  let capacityBlocks: number;
  if (blocksFlag !== undefined) capacityBlocks = blocksFlag;
  else {
    const gb = gbFlag ?? fromPreset?.gb ?? 0;
    capacityBlocks = Math.floor((gb * 1e9) / blockBytes);
    if (gb > 0 && capacityBlocks === 0) {
      const where = gbFlag !== undefined ? `--${f('gb')} ${gb}` : `preset ${LABEL[t]} tier of ${gb} GB`;
      throw new OptionsError(`${where}: holds no KV block of ${blockBytes} bytes; give more GB or --${f('blocks')}`);
    }
  }
  if (capacityBlocks === 0) {
    const stray = gbps !== undefined ? f('gbps') : latencyMs !== undefined ? f('latency-ms') : undefined;
    if (stray) throw new OptionsError(`--${stray}: the ${LABEL[t]} tier is off; give it a capacity with --${f('gb')} or --${f('blocks')}`);
    return undefined;
  }
  return {
    name: t,
    capacityBlocks,
    gbps: gbps ?? fromPreset?.gbps ?? TIER_DEFAULTS[t].gbps,
    latencyMs: latencyMs ?? fromPreset?.latencyMs ?? TIER_DEFAULTS[t].latencyMs,
  };
}

/**
 * The KV tiers the flags (`get(flag)`) and the preset ask for, or undefined when none: the CPU
 * tier first, then disk. Tiers hold prefix-cache blocks, so they need the prefix cache.
 */
export function resolveOffload(get: (flag: string) => string | undefined, preset: EnginePreset, blockSize: number, prefixCaching: boolean): OffloadConfig | undefined {
  const bytesFlag = num(get('kv-bytes-per-token'), 'kv-bytes-per-token', { int: true, min: 1 });
  const blockBytes = (bytesFlag ?? kvBytesPerToken(preset.kv)) * blockSize;
  const tiers: TierSpec[] = [];
  for (const t of ['cpu', 'disk'] as const) {
    const tier = resolveTier(t, get, preset, blockBytes);
    if (tier) tiers.push(tier);
  }
  if (tiers.length === 0) {
    if (bytesFlag !== undefined) throw new OptionsError('--kv-bytes-per-token: only KV tiers use it; add one with --kv-cpu-gb or --kv-disk-gb');
    return undefined;
  }
  if (!prefixCaching) throw new OptionsError(`--no-prefix-cache: the ${tiers.map((t) => LABEL[t.name]).join(' and ')} KV tier${tiers.length > 1 ? 's hold' : ' holds'} prefix-cache blocks; drop --no-prefix-cache or the tier (--kv-${tiers[0].name}-gb 0)`);
  return { tiers, blockBytes };
}
