# k6-llm-replay: every target installs what it is missing, so each works on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_STAMP := node_modules/.install-stamp

.PHONY: help install build native test-native pack dev demo test test-unit test-integration typecheck bench bench-peers bench-multi bench-memory clean deps-observe deps-report deps-real-engine deps-llama-server deps-multi dashboards

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NODE_STAMP) ## install npm packages (npm ci)

build: install native ## the CLI, API and worker bundles (dist/app/*.js, what bin runs), the k6 export (dist/k6/*.js) and the native I/O core
	nice -n 10 npx tsx scripts/bundle-cli.ts
	node scripts/bundle.mjs

native: install ## the native I/O core (Rust, napi-rs) into dist/native/k6lr_io.node, smoke-tested (no cargo: the JS transport, said)
	bash scripts/native/build.sh

test-native: ## cargo test and cargo clippy of native/ (framing at every cut, the I/O thread against real sockets)
	bash scripts/native/test.sh

pack: build ## npm pack: k6-llm-replay-VERSION.tgz, installable with npm install -g (offline from a filled cache)
	npm pack --silent

dev: install ## development mode: make dev ARGS='replay --help' runs the CLI from src/ through tsx (no build)
	node bin/llm-replay-dev.mjs $(ARGS)

demo: build ## replay traces/mooncake-sample.jsonl against the embedded simulator and print the summary
	bash scripts/demo.sh

deps-observe: ## Debian packages for the observability tests (influxdb, prometheus): apt-get install when missing
	bash scripts/observe/install-deps.sh

deps-report: ## Debian chromium for the HTML report test (headless, driven by puppeteer-core): apt-get install when missing
	bash scripts/report/install-deps.sh

deps-real-engine: ## llama-cpp-python's server + SmolLM2-135M GGUF for the real-engine tests (venv build/venv-llama; portable wheel, smoke-tested, cached)
	bash scripts/real-engine/install.sh

deps-llama-server: deps-real-engine ## llama.cpp's llama-server for the batching-server tests (build/llama-server; portable build, smoke-tested, cached)
	bash scripts/real-engine/install-llama-server.sh

deps-multi: ## moto's S3 server in .venv-s3 for the multi-host test (pip, when missing)
	bash scripts/multi/install-deps.sh

dashboards: install ## regenerate dashboards/*.json from src/dashboards (the tests check they are up to date)
	node bin/llm-replay-dev.mjs dashboards

typecheck: install ## strict TypeScript check (tsc --noEmit), the k6 export against @types/k6 too
	npx tsc --noEmit
	npx tsc -p src/k6/tsconfig.json --noEmit

test-unit: install ## fast unit tests (vitest)
	npx vitest run --project unit

test-integration: install build deps-observe deps-report deps-real-engine deps-llama-server deps-multi ## integration tests: the engine against real servers
	npx vitest run --project integration

test: install build deps-observe deps-report deps-real-engine deps-llama-server deps-multi typecheck ## everything: type check, native, unit and integration tests
	@mkdir -p results
	bash scripts/native/test.sh
	npx vitest run --project unit --reporter=default --reporter=json --outputFile=results/vitest-unit.json
	# Integration tests measure timing: run them alone, after the unit tests.
	npx vitest run --project integration --reporter=default --reporter=json --outputFile=results/vitest-integration.json
	@node scripts/test-summary.mjs results/vitest-unit.json results/vitest-integration.json

bench: build ## benchmarks that print figures (timing error, dispatch lag, throughput)
	bash scripts/bench.sh

bench-peers: build ## our engine, AIPerf, GuideLLM, vllm bench serve (inference-perf) on one trace and simulator: one table, vLLM definitions cross-check (~25 min, root)
	bash scripts/bench/peers/run.sh $(ARGS)

bench-multi: build ## four engine instances (segments, one common start) vs one: highest aggregate rate with lag p99 < 5 ms, start spread
	npx tsx scripts/bench/multi.ts

bench-memory: build ## engine RSS against 10,000 requests in flight, and over 30 minutes of steady load (~35 min)
	npx tsx scripts/bench/memory.ts $(ARGS)

clean: ## remove build outputs and results
	rm -rf dist build results k6-llm-replay-*.tgz
