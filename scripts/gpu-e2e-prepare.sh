#!/usr/bin/env bash
# Builds .gpu/ (ignored by git, carried to the GPU machine): Node for a machine without it, and the
# GitHub/artifact fakes bundled into one script. Then: bash scripts/gpu-e2e.sh OUTDIR there.
set -euo pipefail
mkdir -p .gpu
[ -s .gpu/node.xz ] || xz -9 -T2 -c "$(readlink -f node_modules/node/bin/node)" > .gpu/node.xz
npx esbuild scripts/gpu/fakes-main.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --outfile=.gpu/fakes.mjs
echo ".gpu ready: $(du -sh .gpu | cut -f1)"
