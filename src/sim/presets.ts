// Engine presets. The numbers are ROUGH, derived from public hardware and model figures with
// simple roofline arithmetic (see docs/simulator.md "Where the preset numbers come from"); they
// give the right shape (TTFT grows with uncached prompt and queue, ITL with batch size and
// context), not any particular engine's exact latencies.

import type { CostModel } from './cost-model.js';

/** The model shape that sets how many bytes of KV one token holds. */
export interface KvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Bytes per element of the KV cache (2 for BF16/FP16, 1 for FP8). */
  dtypeBytes: number;
}

/** Bytes of KV per token: a K and a V vector per layer and KV head. */
export function kvBytesPerToken(s: KvShape): number {
  return 2 * s.layers * s.kvHeads * s.headDim * s.dtypeBytes;
}

/** One KV tier below the GPU, as a preset or flags give it (capacity in decimal GB). */
export interface TierSetting {
  gb: number;
  gbps: number;
  latencyMs: number;
}

export interface EnginePreset {
  description: string;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  blockSize: number;
  kvBlocks: number;
  maxModelLen: number;
  cost: CostModel;
  /** The served model's KV shape (bytes per token moved by KV offload). */
  kv: KvShape;
  /** KV tiers below the GPU blocks (none unless set; flags override each field). */
  offload?: { cpu?: TierSetting; disk?: TierSetting };
}

/** Defaults of a tier's bandwidth and load latency when only its capacity is given. */
export const TIER_DEFAULTS: Record<'cpu' | 'disk', Omit<TierSetting, 'gb'>> = {
  // PCIe 4.0 x16: 32 GB/s raw, ~25 GB/s reached by pinned-memory copies.
  cpu: { gbps: 25, latencyMs: 0 },
  // One PCIe 4.0 NVMe drive: ~7 GB/s sequential read raw, ~5 reached; ~0.1 ms to issue a read.
  disk: { gbps: 5, latencyMs: 0.1 },
};

const LLAMA_8B_KV: KvShape = { layers: 32, kvHeads: 8, headDim: 128, dtypeBytes: 2 }; // 128 KiB/token
const LLAMA_70B_KV: KvShape = { layers: 80, kvHeads: 8, headDim: 128, dtypeBytes: 2 }; // 320 KiB/token

export const PRESETS: Record<string, EnginePreset> = {
  // Llama-3.1-8B BF16 on one 24-48 GB GPU (A10G / L40S / A100-40GB class).
  small: {
    description: '8B model (Llama-3.1-8B BF16) on one 24-48 GB GPU',
    maxNumSeqs: 256, // vLLM V1 default for GPUs under 70 GiB (API server)
    maxNumBatchedTokens: 2048, // idem
    blockSize: 16,
    kvBlocks: 8192, // 131k tokens x 128 KiB/token = 16 GiB of KV
    maxModelLen: 32768,
    cost: {
      stepBaseMs: 15, // 16 GB of weights read per step at ~0.9-1.5 TB/s, plus launch overheads
      prefillTokenMs: 0.15, // 16 GFLOP/token at ~100 TFLOP/s effective: ~6.7k prompt tokens/s
      decodeSeqMs: 0.2, // marginal cost of one more sequence in a decode batch
      contextTokenMs: 0.00015, // 128 KiB of KV per token read at ~0.9 TB/s
    },
    kv: LLAMA_8B_KV,
  },
  // Llama-3.1-70B BF16 on 8x H100-80GB, tensor parallel 8.
  large: {
    description: '70B model (Llama-3.1-70B BF16) on 8x H100 80GB, TP8',
    maxNumSeqs: 1024, // vLLM V1 default for GPUs of 70 GiB and more (API server)
    maxNumBatchedTokens: 8192, // idem
    blockSize: 16,
    kvBlocks: 80000, // ~50 GB free per GPU / 40 KiB of KV per token per GPU = ~1.28M tokens
    maxModelLen: 131072,
    cost: {
      stepBaseMs: 10, // 17.6 GB of weights per GPU at 3.35 TB/s (5 ms) + 160 all-reduces per step
      prefillTokenMs: 0.045, // 140 GFLOP/token at ~3 PFLOP/s effective (8 x 989 TF x 40%)
      decodeSeqMs: 0.06,
      contextTokenMs: 0.000012, // 40 KiB of KV per token per GPU at 3.35 TB/s
    },
    kv: LLAMA_70B_KV,
  },
  // Small and quick, for tests: the same shape, everything cheap.
  fast: {
    description: 'tiny and quick, for tests',
    maxNumSeqs: 32,
    maxNumBatchedTokens: 2048,
    blockSize: 16,
    kvBlocks: 4096,
    maxModelLen: 32768,
    cost: {
      stepBaseMs: 4,
      prefillTokenMs: 0.004,
      decodeSeqMs: 0.05,
      contextTokenMs: 0.00001,
    },
    kv: LLAMA_8B_KV,
  },
};

// The small preset with LMCache-style tiers: 64 GB of host memory (4x the GPU's 16 GiB of KV)
// over PCIe, and 1 TB of NVMe.
PRESETS['small-offload'] = {
  ...PRESETS.small,
  description: 'the small preset with a 64 GB CPU KV tier and a 1 TB disk KV tier',
  offload: { cpu: { gb: 64, ...TIER_DEFAULTS.cpu }, disk: { gb: 1000, ...TIER_DEFAULTS.disk } },
};
