# syntax=docker/dockerfile:1
# Labdeck's image. Every RUN here is also run outside a container by scripts/image-start-check.ts
# (CI), which copies the context by .dockerignore, runs these steps in temporary folders and starts the
# result on a read-only layout; a RUN it must not run on a host follows a `# image only` comment.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LABDECK_CONFIG=/etc/labdeck/labdeck.yaml \
    LABDECK_DATA_DIR=/data \
    TMPDIR=/tmp
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# image only
RUN npm cache clean --force
COPY server ./server
COPY labdeck.example.yaml ./
COPY --from=build /app/dist ./dist
# image only
RUN groupadd --system --gid 10001 labdeck \
 && useradd --system --uid 10001 --gid labdeck --no-create-home --shell /usr/sbin/nologin labdeck \
 && mkdir -p /data /etc/labdeck \
 && chown labdeck:labdeck /data
USER 10001:10001
# Writable paths under a read-only root filesystem: the embedded PostgreSQL's data (unused with
# DATABASE_URL) and temporary files. Mount labdeck.yaml at /etc/labdeck/labdeck.yaml.
VOLUME ["/data", "/tmp"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8 in Node 24 grows its young generation up to 2 x 64 MB under load (2 x 16 MB up to Node 20), whatever
# the container's memory: measured by bench/soak.ts, a replica's RSS then swings 160-360 MB for the same
# live heap. 16 MB semi-spaces keep it within the chart's 256 Mi request at the same CPU. The benchmarks'
# replicas (bench/_sql-harness.ts) take their flags from this line.
CMD ["node", "--max-semi-space-size=16", "server/main.ts"]
