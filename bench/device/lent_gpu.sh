#!/usr/bin/env bash
# How the 2026-11-28 run reached the lent H200, to do again (the device tool's `run`).
#
#   bash bench/device/lent_gpu.sh prepare   # here: the audio pack and the wheels the GPU image lacks
#   bash bench/device/lent_gpu.sh run       # there, as run's command, with carry [".devpack", ".whl"]
#
# The image has torch, lightning, numpy, einops, safetensors and rich, but not soundfile,
# soxr, auraloss or librosa (the codec's losses), and a Python (3.12) that sonido's
# requires-python does not admit: the wheels go to /tmp/site and sonido runs from the
# working tree on PYTHONPATH. The tool carries at most 64 MiB: the weights and checkpoints
# this repository tracks are more than that, so before the call they were dropped from the
# index (git rm -r --cached checkpoints sonido/weights/sonido-tiny/prior-* \
# sonido/weights/sonido-small*/prior-* sonido/weights/separator-tiny sonido/weights/mixer-tiny
# bench/baselines, each also listed in .git/info/exclude) and restored after (git reset).
# Whatever comes back lies under $OUT: codec.tar, prior-top.tar, prior-mid.tar, run.log;
# bench/device/summarize.py turns them into bench/results/device-pretraining.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
case "${1:-}" in
prepare)
    .venv/bin/python bench/device/pack_audio.py .devpack/pack data/real data/corpus-small --seconds 11
    for wheel in soundfile==0.14.0 soxr==1.1.0 cffi==2.1.1 pycparser==3.12 auraloss==0.4.0 librosa==0.11.0 \
                 audioread==3.1.0 decorator==5.3.1 pooch==1.9.0 platformdirs==4.14.8; do
        .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
            --platform manylinux2014_x86_64 -d .whl "$wheel"
    done ;;
run)
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 PY=python3 JOBS=14
    export CODEC_SET="train.batch_size=32 train.segment=32768 train.lr=0.0005 train.checkpoint_every=1000 train.val_every=500 train.val_batches=8"
    export PRIOR_SET="train.batch_size=64 train.val_every=100 train.val_batches=16 train.checkpoint_every=500 model.dropout=0.1"
    python3 -c "import torch, sonido, soundfile, librosa, auraloss; assert torch.cuda.is_available()"
    bash bench/device/pretrain_all.sh .devpack/pack sonido/weights/sonido-small/codec 3.2 1.5 2>&1 | tee "$OUT/run.log" ;;
*)
    echo "usage: bash bench/device/lent_gpu.sh prepare|run" >&2
    exit 2 ;;
esac
