# The llm-replay image for multi-host runs (deploy/kubernetes/): Node 20 LTS, production
# dependencies only, non-root. The CLI runs its TypeScript sources through tsx (a runtime
# dependency), so src/ is the program. The k6 export (dist/k6/*.js, for users' own k6 and the
# k6-operator ConfigMap) is built in the first stage and shipped beside it; no k6 inside.
#   docker build -t k6-llm-replay:dev .
#   docker run --rm k6-llm-replay:dev replay --help

# Stage 1: the k6 export bundle (esbuild over src/k6/entries).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/bundle.mjs ./scripts/bundle.mjs
COPY src ./src
COPY data ./data
RUN node scripts/bundle.mjs

# Stage 2: production dependencies and the program, owned by root, run by "node" (uid 1000).
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY data ./data
COPY dashboards ./dashboards
COPY traces ./traces
COPY --from=build /app/dist ./dist
USER node
# tsx keeps its transform cache in $TMPDIR: under a read-only root, mount an emptyDir at /tmp.
ENTRYPOINT ["node", "/app/bin/llm-replay.mjs"]
CMD ["--help"]
