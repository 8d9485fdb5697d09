"""Smoke test of a llama-server build (scripts/real-engine/recipe-server.sh): serve SmolLM2 on a
free loopback port, stream greedy completions checked against known answers, stop the server.
Exit 0 = good; when the server dies (SIGILL, ...) its own status is returned (128 + signal)."""
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

binary, model = sys.argv[1], sys.argv[2]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
# Its log goes to a file: a pipe nobody reads would fill and stall the server.
log = tempfile.TemporaryFile()
server = subprocess.Popen([binary, "-m", model, "--host", "127.0.0.1", "--port", str(port), "-c", "1024", "-np", "1", "-t", "2"],
                          stdout=log, stderr=subprocess.STDOUT)


def died():
    code = server.poll()
    if code is None:
        return None
    log.seek(0)
    err = log.read().decode(errors="replace")[-2000:]
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



def stream(prompt):
    """One streamed greedy completion: (text, chunks)."""
    body = {"prompt": prompt, "max_tokens": 6, "temperature": 0, "stream": True}
    req = urllib.request.Request(f"{base}/v1/completions", data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    text, chunks = "", 0
    with urllib.request.urlopen(req, timeout=60) as r:
        for line in r:
            line = line.decode().strip()
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                choices = json.loads(line[5:]).get("choices") or [{}]
                text += choices[0].get("text") or ""
                chunks += 1
    return text, chunks


# The probes of smoke_wheel.py: one right answer is enough, a miscompiled build gets neither.
PROBES = [("The capital of France is", "Paris"), ("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,", "12")]
right = False
for prompt, expected in PROBES:
    try:
        text, chunks = stream(prompt)
    except OSError as e:
        if (code := died()) is not None:
            sys.exit(code)
        finish(1, f"the streamed completion failed: {e}")
    if (code := died()) is not None:
        sys.exit(code)
    print(f"smoke: {prompt!r} -> {chunks} chunks: {text!r}")
    right = right or (chunks >= 1 and expected in text)
finish(0 if right else 1, "" if right else "wrong answers from the model: expected Paris or 12 in a continuation")
