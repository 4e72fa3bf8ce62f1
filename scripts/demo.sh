#!/usr/bin/env bash
# Builds and runs the embedkit demo (Release), then embedkit-infer, the batch-transform program,
# on SageMaker's example Object2Vec request (examples/data/object2vec_request.json, from AWS's
# guide) with the built-in demo model: it prints {"predictions": [{"embeddings": [...]}, ...]}.
# Arguments are passed to the demo.
#
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/deps.sh
embedkit_deps build

build_dir=build/release
generator=()
if [[ ! -f $build_dir/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi

cmake -S . -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DEMBEDKIT_BUILD_EXAMPLES=ON \
  -DEMBEDKIT_BUILD_TESTS=OFF \
  -DEMBEDKIT_BUILD_BENCH=OFF
cmake --build "$build_dir" --target embedkit_demo embedkit-infer -j"$(nproc)"

"$build_dir/examples/embedkit_demo" "$@"
echo
echo "embedkit-infer examples/data/object2vec_request.json  (SageMaker's example request, demo model):"
"$build_dir/examples/embedkit-infer" examples/data/object2vec_request.json
