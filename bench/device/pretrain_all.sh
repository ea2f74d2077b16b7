#!/usr/bin/env bash
# The whole pretraining on a lent GPU machine, from an audio pack that travels with the
# working tree (bench/device/pack_audio.py): fine-tune the codec on it, encode its top+mid
# tokens there, then train both priors on them (pretrain_priors.sh). Each finished stage is
# packed into $OUT at once (codec.tar, prior-top.tar, prior-mid.tar: exported model + CSV
# logs), so a run stopped at its limit still returns what it finished; if the codec stage
# fails, the priors learn INIT's tokens instead.
#
#   bash bench/device/pretrain_all.sh PACK INIT CODEC_MINUTES PRIOR_MINUTES
#
# The card's settings come from the environment: CODEC_SET / PRIOR_SET (space-separated
# `--set` values, e.g. "train.batch_size=32 train.segment=32768"), CODEC_PRESET /
# PRIOR_PRESET (default small), JOBS (token-encoding processes, default 8), ACCELERATOR,
# PRECISION (the priors'; the codec trains in float32). Tested on CPU at micro size by
# tests/train/test_device_script.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
PACK=$1 INIT=$2 CODEC_MINUTES=$3 PRIOR_MINUTES=$4
OUT=${OUT:-runs/device} WORK=${WORK:-runs/device-work}
ACCELERATOR=${ACCELERATOR:-gpu} PY=${PY:-python} JOBS=${JOBS:-8}
mkdir -p "$OUT" "$WORK"
as_sets() { for s in $1; do printf -- '--set %s ' "$s"; done; }
codec=$INIT
# shellcheck disable=SC2046  # word splitting of the --set lists is wanted
if "$PY" -m sonido codec train --data "$PACK" --out "$WORK/codec" --preset "${CODEC_PRESET:-small}" --init "$INIT" \
        --max-minutes "$CODEC_MINUTES" --accelerator "$ACCELERATOR" --devices 1 --quiet $(as_sets "${CODEC_SET:-}"); then
    codec=$WORK/codec/model
    tar -C "$WORK/codec" -cf "$OUT/codec.tar" model logs
else
    echo "pretrain_all: the codec stage failed; the priors learn the tokens of $INIT" >&2
fi
"$PY" -m sonido prior tokens --codec "$codec" --data "$PACK" --cache "$WORK/tokens" --levels top,mid --jobs "$JOBS" --quiet
for level in top mid; do
    # shellcheck disable=SC2046
    LEVELS=$level OUT=$WORK bash bench/device/pretrain_priors.sh "$codec" "$WORK/tokens" "$PRIOR_MINUTES" \
        "${PRIOR_PRESET:-small}" $(as_sets "${PRIOR_SET:-}")
    tar -C "$WORK/prior-$level" -cf "$OUT/prior-$level.tar" model logs
done
