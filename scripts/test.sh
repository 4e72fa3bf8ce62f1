#!/usr/bin/env bash
# Runs embedkit's whole test suite:
#
#   1. sanitize: Debug build (-O1) with AddressSanitizer and UndefinedBehaviorSanitizer,
#      compiled with clang, in build/sanitize; runs the unit tests.
#   2. release:  Release build with warnings as errors in build/release (tests, examples and
#      benchmarks; benchmarks are compiled, never run), then every CTest test: unit tests,
#      header self-containment checks and the packaging (consume.*) tests.
#
# Environment:
#   EMBEDKIT_SKIP_SANITIZE=1   skip stage 1 (quick local runs)
#   EMBEDKIT_SANITIZE_CXX      compiler for stage 1 (default: clang++)
#
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/deps.sh
embedkit_deps test

jobs=$(nproc)
# Also picked up by the `cmake --build` calls that some tests make.
export CMAKE_BUILD_PARALLEL_LEVEL=$jobs

heading() {
  printf '\n==== %s\n\n' "$*"
}

# Ninja when available, unless the build folder was already configured with another generator.
generator_args() {
  if [[ ! -f $1/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then
    echo "-G Ninja"
  fi
}

timings=()
start=$SECONDS

# ---------------------------------------------------------------------------
# Stage 1: sanitizers
# ---------------------------------------------------------------------------
if [[ ${EMBEDKIT_SKIP_SANITIZE:-0} != 1 ]]; then
  heading "Stage 1/2: ASan + UBSan build (build/sanitize)"
  stage_start=$SECONDS
  # shellcheck disable=SC2046
  cmake -S . -B build/sanitize $(generator_args build/sanitize) \
    -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="${EMBEDKIT_SANITIZE_CXX:-clang++}" \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DEMBEDKIT_SANITIZE=address,undefined \
    -DEMBEDKIT_WARNINGS_AS_ERRORS=OFF \
    -DEMBEDKIT_BUILD_TESTS=ON \
    -DEMBEDKIT_BUILD_EXAMPLES=ON \
    -DEMBEDKIT_BUILD_BENCH=OFF
  cmake --build build/sanitize -j"$jobs"

  heading "Stage 1/2: unit tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/sanitize --output-on-failure -j"$jobs" -E '^(consume|headers)\.'
  timings+=("stage 1 (sanitize build + tests): $((SECONDS - stage_start))s")
else
  heading "Stage 1/2: skipped (EMBEDKIT_SKIP_SANITIZE=1)"
fi

# ---------------------------------------------------------------------------
# Stage 2: release build, then the full suite
# ---------------------------------------------------------------------------
heading "Stage 2/2: Release build with warnings as errors (build/release)"
stage_start=$SECONDS
# shellcheck disable=SC2046
cmake -S . -B build/release $(generator_args build/release) \
  -DCMAKE_BUILD_TYPE=Release \
  -DEMBEDKIT_WARNINGS_AS_ERRORS=ON \
  -DEMBEDKIT_SANITIZE= \
  -DEMBEDKIT_BUILD_TESTS=ON \
  -DEMBEDKIT_BUILD_EXAMPLES=ON \
  -DEMBEDKIT_BUILD_BENCH=ON
cmake --build build/release -j"$jobs"
timings+=("stage 2 build: $((SECONDS - stage_start))s")

heading "Stage 2/2: full test suite (unit tests, header checks, packaging)"
printf '%s\n' "${timings[@]}" "elapsed so far: $((SECONDS - start))s" ""
ctest --test-dir build/release --output-on-failure -j"$jobs"
