#!/usr/bin/env bash
# Writes word2vec files with embedkit's save_word2vec (text and binary) and reads them back with
# gensim's KeyedVectors.load_word2vec_format, which must see the same words and float32 values
# as in the source file. Exit 77 (a skip for CTest) when /usr/bin/python3 cannot import gensim,
# or 1 when EMBEDKIT_REQUIRE_THIRD_PARTY=1 (as scripts/test.sh sets it).
#
#   gensim_readback.sh <embedkit_io_check> <work dir> <word2vec files...>
set -euo pipefail
check=$1 work=$2
shift 2
py=/usr/bin/python3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ! -x $py ]] || ! $py -c "import gensim" >/dev/null 2>&1; then
  echo "SKIP: gensim is not importable by $py (Debian: apt-get install python3-gensim)"
  [[ ${EMBEDKIT_REQUIRE_THIRD_PARTY:-0} == 1 ]] && { echo "EMBEDKIT_REQUIRE_THIRD_PARTY=1: failing instead"; exit 1; }
  exit 77
fi
mkdir -p "$work"
for src in "$@"; do
  name=$(basename "$src")
  "$check" convert "$src" "$work/$name.out.txt" text
  "$check" convert "$src" "$work/$name.out.bin" binary
  $py "$here/gensim_readback.py" "$src" "$work/$name.out.txt" "$work/$name.out.bin"
done
