"""Smoke test of a llama-server build (scripts/real-engine/recipe-server.sh): serve SmolLM2 on a
free loopback port, stream one greedy completion that must name Paris, stop the server.
Exit 0 = good; when the server dies (SIGILL, ...) its own status is returned (128 + signal)."""
import json
import socket
import subprocess
import sys
import time
import urllib.request

binary, model = sys.argv[1], sys.argv[2]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([binary, "-m", model, "--host", "127.0.0.1", "--port", str(port), "-c", "1024", "-np", "1", "-t", "2"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def died():
    code = server.poll()
    if code is None:
        return None
    err = server.stderr.read().decode(errors="replace")[-2000:]
    print(f"smoke: llama-server exited ({'signal %d' % -code if code < 0 else 'status %d' % code}):\n{err}", file=sys.stderr)
    return 128 - code if code < 0 else (code or 1)


def finish(status, message=""):
    if message:
        print(f"smoke: {message}", file=sys.stderr)
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    sys.exit(status)


base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 120
while True:
    if (code := died()) is not None:
        sys.exit(code)
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        finish(1, "llama-server did not answer /health within 120 s")
    time.sleep(0.2)

body = {"prompt": "The capital of France is", "max_tokens": 6, "temperature": 0, "stream": True}
req = urllib.request.Request(f"{base}/v1/completions", data=json.dumps(body).encode(), headers={"content-type": "application/json"})
text, chunks = "", 0
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        for line in r:
            line = line.decode().strip()
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                choices = json.loads(line[5:]).get("choices") or [{}]
                text += choices[0].get("text") or ""
                chunks += 1
except OSError as e:
    if (code := died()) is not None:
        sys.exit(code)
    finish(1, f"the streamed completion failed: {e}")
if (code := died()) is not None:
    sys.exit(code)
print(f"smoke: {chunks} chunks: {text!r}")
finish(0 if "Paris" in text else 1, "" if "Paris" in text else f"wrong answer {text!r}; expected a mention of Paris")
