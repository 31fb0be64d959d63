#!/usr/bin/env bash
# The command-line timings of the speed table (/usr/bin/time: wall seconds, peak RSS), three runs each.
# Run from the repository root on an idle machine: bash results/cpu/commands.sh > results/cpu/commands-<release>.txt
set -euo pipefail
INRZIP=${INRZIP:-.venv/bin/inrzip}
SRC=${SRC:-../shared/data/kodak/kodim02.png}
T=$(mktemp -d)
cp "$SRC" "$T/photo.png"
timed() {  # label, command...: wall seconds and peak RSS
  local label=$1 log; shift
  log=$(mktemp -p "$T")
  /usr/bin/time -f "%e s, peak RSS %M kB" "$@" > "$log.out" 2> "$log"
  echo "$label: $(tail -1 "$log")  ($(head -1 "$log.out" | sed "s#$T/##g" | cut -c1-150))"
}
echo "# $($INRZIP --version), default init, $(uname -m) $(nproc) cores, $(date -u +%F), $(basename "$SRC")"
for i in 1 2 3; do timed "inrzip encode" $INRZIP encode "$T/photo.png" -o "$T/photo.inrz" -f; done
for i in 1 2 3; do timed "inrzip decode" $INRZIP decode "$T/photo.inrz" -o "$T/back.png" -f; done
for i in 1 2 3; do timed "inrzip decode --plain" $INRZIP decode "$T/photo.inrz" -o "$T/plain.png" -f --plain; done
for i in 1 2; do
  ( timed "side by side A" $INRZIP encode "$T/photo.png" -o "$T/a.inrz" -f ) &
  ( timed "side by side B" $INRZIP encode "$T/photo.png" -o "$T/b.inrz" -f ) &
  wait
done
for i in 1 2; do
  ( timed "decode side by side A" $INRZIP decode "$T/photo.inrz" -o "$T/da.png" -f ) &
  ( timed "decode side by side B" $INRZIP decode "$T/photo.inrz" -o "$T/db.png" -f ) &
  wait
done
rm -rf "$T"
