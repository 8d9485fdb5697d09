"""Smoke test of a llama-cpp-python build (scripts/real-engine/recipe-wheel.sh): the server's
imports, then SmolLM2 loaded and greedy completions checked against known answers. Exit 0 = good."""
import sys

import llama_cpp
import llama_cpp.server.app  # noqa: F401  (the server's imports: fastapi, sse_starlette, ...)

model, version = sys.argv[1], sys.argv[2]
if llama_cpp.__version__ != version:
    sys.exit(f"llama_cpp {llama_cpp.__version__} installed, {version} expected")
llm = llama_cpp.Llama(model_path=model, n_ctx=256, n_threads=2, seed=0, verbose=False)
# Two greedy continuations a working build of this model gets right; a miscompiled one (NaN or
# garbage logits) gets neither. One right answer is enough (a small model may miss one).
PROBES = [("The capital of France is", "Paris"), ("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,", "12")]
answers = []
for prompt, expected in PROBES:
    out = llm.create_completion(prompt, max_tokens=6, temperature=0.0)
    text, n = out["choices"][0]["text"], out["usage"]["completion_tokens"]
    print(f"smoke: {prompt!r} -> {n} tokens: {text!r}")
    answers.append(n >= 1 and expected in text)
if not any(answers):
    sys.exit(f"wrong answers from the model: expected {' or '.join(e for _, e in PROBES)} in a continuation")
