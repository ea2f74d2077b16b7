#!/usr/bin/env bash
# The prepared script for a lent GPU machine (the `device` tool): train the top and mid
# priors from a committed-size token cache for a few minutes each with Lightning in bf16,
# leaving the exported models and logs under $OUT for evaluation here.
#
#   bash bench/device/pretrain_priors.sh CODEC CACHE MINUTES [PRESET [--set ...]]
#
# CODEC: codec folder (runs/codec-small/model); CACHE: a token cache of top+mid tokens made
# here by `sonido prior tokens --levels top,mid` (int16 npz: ~30 MB for 5 h of audio);
# it must travel with the working tree (the run tool's `carry`). Arguments after PRESET go
# to `sonido prior train` (e.g. --set train.batch_size=64 for the card); LEVELS picks the
# levels (default "top mid"). Each level's exported model is its best-validated one.
# Tested on CPU at micro size by tests/train/test_device_script.py (ACCELERATOR=cpu).
set -euo pipefail
cd "$(dirname "$0")/../.."
CODEC=$1 CACHE=$2 MINUTES=$3 PRESET=${4:-small}
OUT=${OUT:-runs/device} LEVELS=${LEVELS:-top mid}
ACCELERATOR=${ACCELERATOR:-gpu} PRECISION=${PRECISION:-bf16-mixed}
PY=${PY:-python}
for level in $LEVELS; do
    "$PY" -m sonido prior train --level "$level" --codec "$CODEC" --cache "$CACHE" \
        --preset "$PRESET" --out "$OUT/prior-$level" --max-minutes "$MINUTES" \
        --accelerator "$ACCELERATOR" --devices 1 --precision "$PRECISION" --quiet "${@:5}"
done
