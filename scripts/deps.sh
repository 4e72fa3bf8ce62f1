# shellcheck shell=bash
# Debian packages embedkit needs, by purpose. Source this file, then call
#
#   embedkit_deps build      # configure and build the library and examples
#   embedkit_deps test       # + doctest, Google Benchmark, clang with sanitizer runtimes, libomp,
#                            #   fasttext, NumPy + gensim for Debian's python3, cpp-httplib (with
#                            #   pkg-config, to find it) for embedkit-serve
#   embedkit_deps fixtures   # python3-torch, python3-numpy, unicode-data: only to regenerate tests/data
#                            #   and the tokenizer's Unicode tables (scripts/gen_unicode_tables.py)
#
# Missing packages are installed when running as root; otherwise the command to
# install them is printed and the calling script exits with status 1.

embedkit_packages() {
  local build=(cmake ninja-build g++ libeigen3-dev libxsimd-dev)
  case "$1" in
    build) echo "${build[*]}" ;;
    # python3-numpy and python3-gensim: the third-party readback tests (NumPy reads our .npy
    # files, gensim our word2vec files) run on every machine, never skipped for a missing package.
    test) echo "${build[*]} doctest-dev libbenchmark-dev clang libclang-rt-14-dev libomp-dev fasttext python3-numpy python3-gensim pkg-config libcpp-httplib-dev nlohmann-json3-dev libsimdjson-dev" ;;
    fixtures) echo "python3-torch python3-numpy unicode-data" ;;
    *)
      echo "embedkit_deps: unknown purpose '$1' (expected build, test or fixtures)" >&2
      return 2
      ;;
  esac
}

embedkit_deps() {
  local purpose=${1:-build}
  local packages
  packages=$(embedkit_packages "$purpose") || exit 2

  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "embedkit_deps: dpkg-query not found; make sure these are installed: $packages" >&2
    return 0
  fi

  local missing=() package status
  for package in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  if [[ $(id -u) == 0 ]]; then
    echo "Installing missing packages: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "Missing Debian packages for '$purpose'. Install them with:" >&2
    echo "sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
}
