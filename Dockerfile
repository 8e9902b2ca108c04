# The satstat image: Node 20 with the compiled pipeline. The same image runs every service of docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY pipeline ./pipeline
COPY config ./config
# npm ci runs the build (prepare script), then dev dependencies are dropped.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENTRYPOINT ["node", "/app/bin/sat.js"]
CMD ["--help"]
