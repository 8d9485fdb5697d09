// Which server the simulator imitates on the wire (--flavor): the bytes of its chunks, its
// error bodies, /v1/models, tokenize endpoint, /metrics names, and how it treats a request
// longer than the context. The shapes come from the servers' sources as released on PyPI:
// vLLM 0.34.0 (sdist), SGLang 0.5.23 (wheel), llama.cpp as vendored in llama-cpp-python 0.3.36
// (vendor/llama.cpp/tools/server). Each builder cites the file and line it follows.

export const FLAVORS = ['vllm', 'sglang', 'llamacpp'] as const;
export type Flavor = (typeof FLAVORS)[number];

export function isFlavor(s: string): s is Flavor {
  return (FLAVORS as readonly string[]).includes(s);
}
