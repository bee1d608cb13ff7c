# syntax=docker/dockerfile:1
# The Floodgate service: `docker build -t floodgate .`, or the whole stack with docker-compose.yml.
# The build stage compiles dist/ and drops devDependencies; the runtime stage gets only what
# `node dist/main.js` and `node prisma/migrate.mjs` (`npm run db:migrate`) read, and runs as `node`.

# Node 20, as package.json's engines (>= 20.12) and CI: every dependency's engines cover it (see
# "Node and npm" in README.md); `--build-arg NODE_IMAGE=...` picks another base.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The library's workspace manifest: npm ci installs the workspaces the lock file lists.
COPY packages/limiter/package.json ./packages/limiter/
# --ignore-scripts: no dependency needs an install script (the Prisma engines used are the WASM
# ones inside the npm packages). The image's npm 10 would otherwise run @prisma/engines'
# postinstall, which downloads native engines that nothing here uses (npm 11 runs none unless
# package.json's allowScripts allows it, and it allows none).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY scripts/build.mjs scripts/bundle-service.mjs ./scripts/
COPY prisma ./prisma
COPY src ./src
# prebuild writes the Prisma client into src/db/generated and tsc compiles it into
# dist/db/generated: at run time it needs @prisma/client's runtime from node_modules, not src/.
# node_modules/.cache holds jiti's transpiled prisma.config.ts from the build (root-owned in the
# runtime image, so of no use there: jiti transpiles again without it).
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/.cache

FROM ${NODE_IMAGE} AS runtime
# A container's loopback is its own: it listens on every interface of the container, and what is
# reachable is what `-p` publishes (the embedded quick start on a host binds 127.0.0.1).
ENV NODE_ENV=production
ENV HOST=0.0.0.0
WORKDIR /app
# Owned by root, so the `node` user can read the application but not change it.
# package.json: "type": "module" for dist/, and the package root that src/db/package-root.ts finds.
# prisma/ (schema, migrations, migrate.mjs) and prisma.config.ts: `prisma migrate deploy`, run by
# `node prisma/migrate.mjs` and by applyMigrations() (MIGRATE_ON_START). The CLI loads the
# TypeScript config with jiti (prisma -> @prisma/config -> c12 -> jiti): no devDependency needed.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/prisma.config.ts ./
# DATA_DIR of the embedded Postgres, used only when DATABASE_URL is unset.
RUN mkdir .data && chown node:node .data
USER node
EXPOSE 3000
# The slim image has no curl: node's own fetch asks the liveness endpoint.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
