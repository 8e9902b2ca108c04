# The satstat image: Node 20 with the compiled pipeline. The same image runs every service of docker-compose.yml.
# WITH_GPU=1 also installs @tensorflow/tfjs-node-gpu (it downloads libtensorflow with CUDA at install time).
FROM node:20-bookworm-slim
ARG WITH_GPU=0
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY pipeline ./pipeline
COPY workers ./workers
COPY config ./config
# npm ci runs the build (prepare script), then dev dependencies are dropped. Optional dependencies (tfjs-node,
# tfjs-node-gpu) are left out unless WITH_GPU=1: their install scripts need network access to libtensorflow.
RUN npm ci --no-audit --no-fund --omit=optional && npm prune --omit=dev \
  && if [ "$WITH_GPU" = "1" ]; then npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@^4.22.0; fi
ENTRYPOINT ["node", "/app/bin/sat.js"]
CMD ["--help"]
