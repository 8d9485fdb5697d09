# The llm-replay image for multi-host runs (deploy/kubernetes/): Node 20 LTS, the packed npm
# tarball installed globally (dist/app bundles and the native I/O core, esbuild its only
# dependency: no TypeScript loader, no sources), non-root. The k6 export (dist/k6/*.js, for users' own k6 and the
# k6-operator ConfigMap) ships inside the package; no k6 inside.
#   docker build -t k6-llm-replay:dev .
#   docker run --rm k6-llm-replay:dev replay --help

# Stage 1: the native I/O core (native/, Rust via napi-rs) for the image's own CPU family:
# cargo's default x86-64 target, never target-cpu=native (the image runs on other hosts).
FROM rust:1-bookworm AS native
WORKDIR /native
COPY native ./
RUN env -u RUSTFLAGS cargo build --release --locked --features node && cp target/release/libk6lr_io.so /k6lr_io.node

# Stage 2: build the bundles (esbuild), prove the native core (it serves a streamed request in
# a fresh process) and pack them as npm would publish them.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json LICENSE README.md ./
COPY scripts/bundle.mjs scripts/bundle-cli.ts ./scripts/
COPY scripts/native/smoke.mjs ./scripts/native/
COPY --from=native /k6lr_io.node ./dist/native/k6lr_io.node
RUN node scripts/native/smoke.mjs dist/native/k6lr_io.node
COPY src ./src
COPY data ./data
COPY dashboards ./dashboards
# (the image has no make: build as `make build` does, then pack without the prepack script)
RUN npx tsx scripts/bundle-cli.ts && node scripts/bundle.mjs && npm pack --silent --ignore-scripts && mv k6-llm-replay-*.tgz /k6-llm-replay.tgz

# Stage 3: the tarball installed as a user installs it, owned by root, run by "node" (uid 1000);
# ca-certificates: the native core verifies https targets against /etc/ssl/certs.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
COPY --from=build /k6-llm-replay.tgz /tmp/k6-llm-replay.tgz
RUN npm install -g --no-audit --no-fund /tmp/k6-llm-replay.tgz && rm /tmp/k6-llm-replay.tgz && npm cache clean --force
WORKDIR /app
# The sample traces, for trying the image without a bucket (replay --trace traces/...).
COPY traces ./traces
USER node
# `llm-replay run FILE.ts` compiles the scenario into $TMPDIR: under a read-only root, mount an emptyDir at /tmp.
ENTRYPOINT ["llm-replay"]
CMD ["--help"]
