#!/usr/bin/env bash
# Trains small fastText models with the installed fasttext CLI and checks that embedkit reads
# them as fastText does: .bin and .vec tables, and word vectors of known and unseen words
# against `fasttext print-word-vectors`. Exit 77 (a skip for CTest) when fasttext is missing,
# or 1 when EMBEDKIT_REQUIRE_THIRD_PARTY=1 (scripts/test.sh sets it: there, a missing peer is a
# failed install, not a reason to skip).
#
#   fasttext_cli.sh <embedkit_io_check> <corpus.txt> <queries.txt> <work dir>
set -euo pipefail
check=$1 corpus=$2 queries=$3 work=$4

if ! command -v fasttext >/dev/null 2>&1; then
  echo "SKIP: the fasttext CLI is not installed (Debian: apt-get install fasttext)"
  [[ ${EMBEDKIT_REQUIRE_THIRD_PARTY:-0} == 1 ]] && { echo "EMBEDKIT_REQUIRE_THIRD_PARTY=1: failing instead"; exit 1; }
  exit 77
fi
mkdir -p "$work"

# The words of the queries file plus every word of the corpus, so known words are all checked.
words=$work/words.txt
{ cat "$queries"; tr -s ' \t' '\n\n' < "$corpus"; } | grep -v '^$' | sort -u > "$words"

train() {  # name, then fasttext arguments
  local name=$1
  shift
  fasttext "$@" -input "$corpus" -output "$work/$name" -minCount 1 -epoch 5 -thread 1 -verbose 0
  fasttext print-word-vectors "$work/$name.bin" < "$words" > "$work/$name.printed.txt"
  "$check" fasttext "$work/$name.bin" "$work/$name.vec" "$work/$name.printed.txt"
}

train skipgram skipgram -dim 10 -bucket 1000 -minn 2 -maxn 4
train cbow cbow -dim 12 -bucket 2000 -minn 3 -maxn 6
train nongrams skipgram -dim 5 -bucket 100 -maxn 0
