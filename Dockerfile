# The satstat image: Node 20 with the compiled pipeline. The same image runs every service of docker-compose.yml.
# Build args:
#   WITH_GPU=1            also installs @tensorflow/tfjs-node-gpu (its install script downloads libtensorflow with CUDA)
#   SAT_CODE_VERSION=...  the version recorded in provenance, e.g. 0.1.0+abc1234 (the image has no git to ask;
#                         empty: the package version alone)
FROM node:20-bookworm-slim
ARG WITH_GPU=0
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# @tensorflow/tfjs-node and tfjs-node-gpu are optional dependencies whose install scripts download libtensorflow:
# they are taken out of package.json and the lockfile here (tfjs-node-gpu stays when WITH_GPU=1). Not with
# --omit=optional: that also drops sharp's platform binaries (@img/sharp-linux-x64 ..., optional dependencies of
# sharp), and a later `npm prune` installs every optional dependency again.
RUN node -e ' \
  const fs = require("fs"); \
  const drop = ["@tensorflow/tfjs-node"].concat(process.env.WITH_GPU === "1" ? [] : ["@tensorflow/tfjs-node-gpu"]); \
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")); \
  const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")); \
  for (const name of drop) { \
    delete pkg.optionalDependencies[name]; \
    delete lock.packages[""].optionalDependencies[name]; \
    delete lock.packages["node_modules/" + name]; \
  } \
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n"); \
  fs.writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n"); \
  '
COPY bin ./bin
COPY pipeline ./pipeline
COPY workers ./workers
COPY config ./config
# The web app's source: the build bundles it into dist/web, which `sat serve` serves at /.
COPY web ./web
# npm ci runs the build (prepare script); then dev dependencies are dropped. npm ci succeeds even when an optional
# dependency's install script fails (it just leaves the package out), so the GPU image checks tfjs-node-gpu is there.
RUN npm ci --no-audit --no-fund --foreground-scripts \
  && if [ "$WITH_GPU" = "1" ] && [ ! -d node_modules/@tensorflow/tfjs-node-gpu ]; then \
       echo "WITH_GPU=1: @tensorflow/tfjs-node-gpu did not install (its install script failed: see above)" >&2; exit 1; \
     fi \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force
# The services run unprivileged: the code is root's (read-only to them); /artifacts, where the artifacts volume is
# mounted, belongs to `node` (a new named volume takes this folder's owner).
RUN mkdir /artifacts && chown node:node /artifacts
ENV SAT_ARTIFACTS_DIR=/artifacts
# Last, so that a new version does not invalidate the npm ci layer.
ARG SAT_CODE_VERSION=
ENV SAT_CODE_VERSION=$SAT_CODE_VERSION
USER node
ENTRYPOINT ["node", "/app/bin/sat.js"]
CMD ["--help"]
