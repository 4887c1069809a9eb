# Verso, the API versioning gateway, as a container image.
#
#   docker build -t verso .
#
# Run it with your own configuration mounted over the example one (see the README's
# "Configuration" section for the keys):
#
#   docker run --rm -p 8080:8080 --stop-timeout 35 \
#     -v "$PWD/gateway.yaml:/app/gateway.yaml:ro" -v verso-data:/app/data verso
#
# Or keep the file elsewhere and say where:
#
#   docker run --rm -p 8080:8080 -v "$PWD/conf:/conf:ro" verso \
#     node gateway/cli/main.js start --config /conf/gateway.yaml
#
# Validate a configuration without starting (exit 2 lists every problem):
#
#   docker run --rm -v "$PWD/gateway.yaml:/app/gateway.yaml:ro" verso \
#     node gateway/cli/main.js check
#
# The image ships the demo configuration as /app/gateway.yaml; its upstream comes from
# DEMO_UPSTREAM_URL, and PORT / ADMIN_PORT move the two listeners. The whole demo (shop service
# plus gateway) runs in one container with:
#
#   docker run --rm -p 8080:8080 verso node demo/start.js
#
# test/docker/dockerfile.test.ts replays the runtime stage of this file outside Docker, command
# for command, on every `npm test`: keep to the instructions it knows (it fails on any other).

# ---- build: compile TypeScript to dist/ -------------------------------------------------------
FROM node:20-bookworm-slim AS build
# better-sqlite3 (the embedded usage store) downloads a prebuilt binary for this Node version when
# it can, and compiles from source when it cannot (no network access to its release downloads):
# the compiler lives in this stage only; the runtime stage copies the built module.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci
# Sources (.dockerignore keeps node_modules, dist, tests and benchmarks out of the context).
COPY . .
RUN npm run build

# ---- runtime: production dependencies, compiled code, example configuration ----------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# The default for `verso start` and `verso check` when --config is not given.
ENV VERSO_CONFIG=/app/gateway.yaml
# glibc's allocator: two arenas and fixed mmap/trim thresholds, so memory a reload frees goes back to
# the system instead of staying with the process (RSS +4.9% after 1,000 reloads with these, +16.8%
# with glibc's defaults; bench/README.md "Reloads"). Read at process start; override with -e.
ENV GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072
WORKDIR /app
COPY package.json package-lock.json ./
# The same lockfile as the README's `npm ci`, minus devDependencies, and without install scripts:
# the one production dependency with a native part, better-sqlite3, was built in the build stage
# (with a compiler this slim image does not have) and its built module is copied in below. The npm
# cache is dropped so it does not ship in the layer.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/node_modules/better-sqlite3/build ./node_modules/better-sqlite3/build
# The compiled tree goes to /app itself (gateway/, versions/, demo/), so the example config's
# relative paths (translation.spec, translation.changes) hold. The changes import `verso`, which
# package.json's `exports` resolves to dist/gateway: dist/gateway is a link to /app/gateway.
COPY --from=build /app/dist ./
RUN mkdir -p dist && ln -s ../gateway dist/gateway
COPY specs ./specs
# The dashboard's static page, script and stylesheet (tsc compiles only .ts into dist/).
COPY gateway/admin/dashboard ./gateway/admin/dashboard
COPY gateway.yaml ./gateway.yaml
# Everything above is owned by root and read-only to the process, except data/: the example
# configuration's SQLite usage store (store.sqlite: data/usage.db), created on first start. Mount a
# volume there to keep usage counts and client pins across containers.
RUN mkdir -p data && chown node:node data
VOLUME ["/app/data"]
USER node
# 8080: the public listener. 9901: the admin listener (health, later usage and metrics), which
# the example configuration binds to 127.0.0.1, so it is reachable from inside the container
# only; bind admin.host to 0.0.0.0 in your configuration if an orchestrator must probe it over
# the network, and do not publish it to the internet.
EXPOSE 8080 9901
# Liveness over the admin listener's loopback address, with node itself (the slim image has no
# curl). It follows ADMIN_PORT like the example configuration; a configuration that sets another
# admin port needs `docker run --health-cmd ...` or the orchestrator's own probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ADMIN_PORT||9901)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself: listeners stop accepting, in-flight requests
# finish (up to proxy.shutdownTimeout, 30 s in the example), then it exits 0. Docker's default
# stop timeout is 10 s, hence --stop-timeout 35 above (Kubernetes: terminationGracePeriodSeconds).
CMD ["node", "gateway/cli/main.js", "start", "--config", "/app/gateway.yaml"]
