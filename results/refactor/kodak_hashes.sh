#!/usr/bin/env bash
# Encode the 24 Kodak photos at three levels of each shipped init with the `inrzip` on PATH and print
# one sha256 per file: run before and after a refactor, then diff the two lists (byte-identical files).
# usage: kodak_hashes.sh KODAK_DIR WORK_DIR > hashes.txt   (one thread, so float sums run in one order)
set -euo pipefail
kodak=$1; work=$2
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
for run in "siren-t16-basis 3" "siren-t16-basis 8" "siren-t16-basis 13" \
           "siren-t16-w64 4 fp16" "siren-t16-w64 9 fp16" "siren-t16-w64 14 q16"; do
  set -- $run
  d="$work/$1-q$2${3:+-$3}"; rm -rf "$d"; mkdir -p "$d"; cp "$kodak"/*.png "$d"/
  inrzip encode "$d" --init "$1" -q "$2" ${3:+--codec $3} --device cpu > "$d.log" 2>&1
  (cd "$d" && sha256sum *.inrz | sed "s|  |  $1-q$2${3:+-$3}/|")
done
