"""Smoke test of a llama-cpp-python build (scripts/real-engine/recipe-wheel.sh): the server's
imports, then SmolLM2 loaded and a greedy completion that must name Paris. Exit 0 = good."""
import sys

import llama_cpp
import llama_cpp.server.app  # noqa: F401  (the server's imports: fastapi, sse_starlette, ...)

model, version = sys.argv[1], sys.argv[2]
if llama_cpp.__version__ != version:
    sys.exit(f"llama_cpp {llama_cpp.__version__} installed, {version} expected")
llm = llama_cpp.Llama(model_path=model, n_ctx=256, n_threads=2, seed=0, verbose=False)
out = llm.create_completion("The capital of France is", max_tokens=6, temperature=0.0)
text, n = out["choices"][0]["text"], out["usage"]["completion_tokens"]
print(f"smoke: {n} tokens: {text!r}")
if n < 1 or "Paris" not in text:
    sys.exit(f"wrong answer from the model: {text!r} ({n} tokens); expected a mention of Paris")
