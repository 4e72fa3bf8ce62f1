#!/usr/bin/env bash
# Runs embedkit's whole test suite:
#
#   1. sanitize: Debug build (-O1) with AddressSanitizer and UndefinedBehaviorSanitizer,
#      compiled with clang, in build/sanitize; runs the unit tests.
#   2. fuzz:     every libFuzzer target under fuzz/ (built with clang, ASan and UBSan, in
#      build/fuzz) runs for a bounded time on a copy of its seed corpus; any crash, leak,
#      sanitizer report or broken property fails the script.
#   3. release:  Release build with warnings as errors in build/release (tests, examples and
#      benchmarks; benchmarks are compiled, never run), then every CTest test: unit tests,
#      header self-containment checks and the packaging (consume.*) tests. When nvcc is
#      present (on PATH or /usr/local/cuda/bin) the CUDA tests and benchmark are compiled too,
#      for sm_90 plus PTX; without a GPU the CUDA tests report themselves skipped.
#
# Environment:
#   EMBEDKIT_SKIP_SANITIZE=1   skip stage 1 (quick local runs)
#   EMBEDKIT_SANITIZE_CXX      compiler for stage 1 (default: clang++)
#   EMBEDKIT_SKIP_FUZZ=1       skip stage 2
#   EMBEDKIT_FUZZ_SECONDS      how long each fuzz target runs (default: 20)
#   EMBEDKIT_NVCC              the CUDA compiler for stage 3 (default: nvcc on PATH, else
#                              /usr/local/cuda/bin/nvcc); EMBEDKIT_NVCC=none leaves CUDA out
#   EMBEDKIT_FUZZ_SEED         libFuzzer's -seed (default: 1, so that a run is repeatable and a
#                              slower machine walks a prefix of the same inputs; 0 draws a new
#                              seed each run, for longer exploratory runs)
#   EMBEDKIT_FUZZ_CXX          compiler for stage 2 (default: clang++; must be clang)
#   EMBEDKIT_REQUIRE_THIRD_PARTY  set to 1 by this script: the readback tests against NumPy,
#                              gensim and the fasttext CLI fail instead of skipping when their
#                              peer is missing (only GPU tests may skip)
#
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/deps.sh
embedkit_deps test

# The packages above include every third-party peer the tests read back with (NumPy, gensim,
# the fasttext CLI): here a missing one is a failed install, not a skip. Only GPU tests skip.
export EMBEDKIT_REQUIRE_THIRD_PARTY=1

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
  heading "Stage 1/3: ASan + UBSan build (build/sanitize)"
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

  heading "Stage 1/3: unit tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/sanitize --output-on-failure -j"$jobs" -E '^(consume|headers)\.'
  timings+=("stage 1 (sanitize build + tests): $((SECONDS - stage_start))s")
else
  heading "Stage 1/3: skipped (EMBEDKIT_SKIP_SANITIZE=1)"
fi

# ---------------------------------------------------------------------------
# Stage 2: fuzzing
# ---------------------------------------------------------------------------
if [[ ${EMBEDKIT_SKIP_FUZZ:-0} != 1 ]]; then
  heading "Stage 2/3: libFuzzer targets (build/fuzz)"
  stage_start=$SECONDS
  # shellcheck disable=SC2046
  cmake -S . -B build/fuzz $(generator_args build/fuzz) \
    -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="${EMBEDKIT_FUZZ_CXX:-clang++}" \
    -DEMBEDKIT_BUILD_FUZZERS=ON \
    -DEMBEDKIT_SANITIZE= \
    -DEMBEDKIT_BUILD_TESTS=OFF \
    -DEMBEDKIT_BUILD_EXAMPLES=OFF \
    -DEMBEDKIT_BUILD_BENCH=OFF
  cmake --build build/fuzz -j"$jobs"

  fuzz_seconds=${EMBEDKIT_FUZZ_SECONDS:-20}
  targets_file=build/fuzz/fuzz/fuzz_targets.txt
  [[ -f $targets_file ]] || { echo "no $targets_file: were the fuzzers configured with clang?" >&2; exit 1; }
  rm -rf build/fuzz/run
  mkdir -p build/fuzz/run

  # One fuzzer per core at a time, each on a copy of its seed corpus (libFuzzer adds the
  # inputs it finds to the first corpus folder), crash inputs kept under build/fuzz/run.
  run_fuzzer() {  # stem executable corpus dictionary
    local stem=$1 exe=$2 corpus=$3 dict=$4 work=build/fuzz/run/$1
    mkdir -p "$work/corpus"
    if [[ -d $corpus ]]; then cp -R "$corpus/." "$work/corpus/"; fi
    local args=(-max_total_time="$fuzz_seconds" -seed="${EMBEDKIT_FUZZ_SEED:-1}"
                -rss_limit_mb=2048 -timeout=30
                -print_final_stats=1 -artifact_prefix="$work/crash-")
    if [[ $dict != - ]]; then args+=(-dict="$dict"); fi
    # The exit status goes to a file: `wait -n` below may reap this job before anyone asks.
    if "$exe" "${args[@]}" "$work/corpus" >"$work/log.txt" 2>&1; then
      echo 0 >"$work/status"
    else
      echo $? >"$work/status"
    fi
  }
  stems=()
  failed=0
  while read -r stem exe corpus dict; do
    [[ -n $stem ]] || continue
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
    run_fuzzer "$stem" "$exe" "$corpus" "$dict" &
    stems+=("$stem")
  done <"$targets_file"
  wait
  for stem in "${stems[@]}"; do
    log=build/fuzz/run/$stem/log.txt
    if [[ $(cat "build/fuzz/run/$stem/status" 2>/dev/null) == 0 ]]; then
      status=ok
    else
      status=FAILED
      failed=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    printf '  fuzz_%-14s %-6s %10s execs in %ss (%s/s)\n' "$stem" "$status" "${execs:-?}" \
      "$fuzz_seconds" "${rate:-?}"
    if [[ $status != ok ]]; then
      echo "---- last lines of $log:"
      tail -n 40 "$log"
    fi
  done
  if ((failed)); then
    echo "fuzzing found a failure (inputs: build/fuzz/run/*/crash-*)" >&2
    exit 1
  fi
  timings+=("stage 2 (fuzz build + runs): $((SECONDS - stage_start))s")
else
  heading "Stage 2/3: skipped (EMBEDKIT_SKIP_FUZZ=1)"
fi

# ---------------------------------------------------------------------------
# Stage 3: release build, then the full suite
# ---------------------------------------------------------------------------
heading "Stage 3/3: Release build with warnings as errors (build/release)"
stage_start=$SECONDS
nvcc=${EMBEDKIT_NVCC:-$(command -v nvcc || true)}
if [[ -z $nvcc && -x /usr/local/cuda/bin/nvcc ]]; then nvcc=/usr/local/cuda/bin/nvcc; fi
if [[ -n $nvcc && $nvcc != none ]]; then
  echo "CUDA: compiling the cuda backend's tests and benchmark with $nvcc"
  cuda_args=(-DEMBEDKIT_ENABLE_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc")
else
  echo "CUDA: no nvcc (on PATH or /usr/local/cuda/bin): the cuda backend is not compiled"
  cuda_args=(-DEMBEDKIT_ENABLE_CUDA=OFF)
fi
# shellcheck disable=SC2046
cmake -S . -B build/release $(generator_args build/release) \
  -DCMAKE_BUILD_TYPE=Release \
  -DEMBEDKIT_WARNINGS_AS_ERRORS=ON \
  -DEMBEDKIT_SANITIZE= \
  -DEMBEDKIT_BUILD_TESTS=ON \
  -DEMBEDKIT_BUILD_EXAMPLES=ON \
  -DEMBEDKIT_BUILD_BENCH=ON \
  "${cuda_args[@]}"
cmake --build build/release -j"$jobs"
timings+=("stage 3 build: $((SECONDS - stage_start))s")

heading "Stage 3/3: full test suite (unit tests, header checks, packaging)"
printf '%s\n' "${timings[@]}" "elapsed so far: $((SECONDS - start))s" ""
ctest --test-dir build/release --output-on-failure -j"$jobs"
