# MLOps console image. `docker compose up` (docker-compose.yml) runs it next to Postgres and Redis;
# the gateway and the workers will run from this same image with another command.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: node_modules (dev dependencies included: `npm run demo` needs tsx) and the Prisma client
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# PRISMA_SCHEMA_ENGINE_BINARY: `prisma generate` (postinstall) needs no schema engine, and with it set
# @prisma/engines' postinstall skips its engine download even under an npm that ignores allowScripts.
ENV NEXT_TELEMETRY_DISABLED=1 \
    PRISMA_SCHEMA_ENGINE_BINARY=/bin/false
# onnxruntime-node ships its CPU binaries in the npm package; its install script only downloads extra
# execution providers and is denied (package.json allowScripts, which npm honours from 11.16 on: the
# project's engines ask for it and .npmrc makes that strict, so the image's npm 10 is upgraded first).
# GPU image: --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 fetches the CUDA 12 provider (needs internet),
# and the runtime base must then bring CUDA 12 + cuDNN (e.g. an nvidia/cuda base with Node 20).
ARG ONNXRUNTIME_NODE_INSTALL=skip
RUN --mount=type=cache,target=/root/.npm npm install -g npm@11 --no-audit --no-fund
# The postinstall runs `prisma generate`: the schema and its config must be there before the install.
COPY package.json package-lock.json .npmrc prisma.config.ts ./
COPY prisma ./prisma
# `npm ci` rejects this lockfile (it lacks the darwin/win32 optional packages); `npm install` uses it
# as it is. onnxruntime-node carries binaries for every OS and CPU (~290 MB): keep this image's only.
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-audit --no-fund \
 && if [ "$ONNXRUNTIME_NODE_INSTALL" != "skip" ]; then \
      node node_modules/onnxruntime-node/script/install.js; \
    fi \
 && ort=node_modules/onnxruntime-node/bin/napi-v6 \
 && find "$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
 && find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name "$(node -p process.arch)" -exec rm -rf {} + \
 && test -f "$ort/linux/$(node -p process.arch)/onnxruntime_binding.node"

# ---- build: the production Next.js build
FROM deps AS build
COPY . .
RUN npx next build && rm -rf .next/cache

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# HOST, GATEWAY_HOST: 0.0.0.0 because a published port reaches a container on its network interface,
# never on its loopback; the console's 127.0.0.1 default would make it unreachable. Who may reach it is
# decided where the port is published (docker-compose.yml publishes on the host's 127.0.0.1 only).
# npm_config_script_shell: npm runs scripts with `sh -c`, and dash dies on SIGTERM without passing it
# on, leaving tsx and next running; bash execs the script's single command, so `docker stop` reaches
# start.ts, which stops `next start`.
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOST=0.0.0.0 \
    GATEWAY_PORT=8080 \
    GATEWAY_HOST=0.0.0.0 \
    ARTIFACT_DIR=/app/data/artifacts \
    npm_config_script_shell=/bin/bash \
    npm_config_update_notifier=false
# What `npm run demo` (tsx scripts/demo/start.ts: migrate, seed, then the console, the gateway, a
# serving worker and demo traffic) reads at run time.
# Code stays root-owned; the app user writes only .next (Next's runtime cache) and /app/data.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json /app/next.config.js ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/generated ./generated
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/server ./server
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/workers ./workers
COPY --from=build --chown=node:node /app/.next ./.next
# start.ts rebuilds when a build input is newer than .next/BUILD_ID; copied directories may carry a
# later mtime than the build they went into, so mark the build current (no sources to rebuild from).
RUN touch .next/BUILD_ID \
 && mkdir -p data/artifacts data/demo \
 && chown -R node:node data
USER node
# Artifacts (ARTIFACT_DIR) and the demo models written by the seed.
VOLUME ["/app/data"]
# 3000: console and tRPC API; 8080: inference gateway (Open Inference Protocol v2).
EXPOSE 3000 8080
# The slim image has no curl: Node 20's fetch. 127.0.0.1 rather than localhost avoids ::1 lookups.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# `npm run demo` supervises its children (scripts/demo/supervise.ts): a worker, gateway, console or
# traffic process that dies is restarted with capped backoff while the others keep serving; only a
# child failing at boot three times in a row (a bad environment) ends the container, naming it, so
# Docker's restart policy or the orchestrator takes over. `docker stop` stops them all.
CMD ["npm", "run", "demo"]
