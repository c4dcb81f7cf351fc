# Curio in a container: build with the compiler and OpenBLAS headers, run without them, as a non-root user.
# The same image runs every role: `serve` (API and serving; any number behind a load balancer) and
# `worker` (training and scheduled jobs). docs/deploy.md says how the compose file wires them.

FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas-dev build-essential python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY native ./native
# Scripts off for the install (`prepare` would compile sources not yet copied), then the native parts
# built on their own: better-sqlite3 and hnswlib-node from source with node-gyp, and Curio's kernels.
RUN ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3 hnswlib-node \
 && npm run build:native
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread libgomp1 tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/native ./native
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
ENV NODE_ENV=production CURIO_HOST=0.0.0.0 CURIO_PORT=8080
USER node
EXPOSE 8080
# tini forwards signals, so SIGTERM reaches the server and it drains before it exits.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=64", "bin/curio.js"]
CMD ["serve"]
