#!/usr/bin/env bash
# The pretraining ablation (README "Where sonido-small stands"): sonido-small's prior architecture
# on sonido-small's codec, the same number of steps per prior, on rendered-only vs rendered +
# recorded tokens; then the note probes of both beside sonido-small (bench/results/layer-study.json)
# and each prior's training record (bench/results/ablation.json).
#
#   bench/ablation.sh               # everything (about 70 min of training on one core, then the probes)
#   bench/ablation.sh --record-only # only rewrite ablation.json from the trained runs
#
# Needs data/corpus-small, data/real (sonido corpus build / real) and runs/tokens-small, the
# rendered + recorded token cache sonido-small's priors were trained on (README, sonido-small).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
STEPS=${STEPS:-400}
CODEC=sonido/weights/sonido-small/codec

if [ "${1:-}" != "--record-only" ]; then
  # the rendered-only cache: the same codec on the rendered corpus alone
  ./run sonido --threads 1 prior tokens --codec $CODEC --data data/corpus-small --cache runs/tokens-rendered \
      --excerpt-seconds 20 --levels top,mid
  for data in rendered mixed; do
    cache=runs/tokens-rendered; [ $data = mixed ] && cache=runs/tokens-small
    for lv in top mid; do
      ./run sonido --threads 1 prior train --level $lv --preset small --codec $CODEC --cache $cache \
          --excerpt-seconds 20 --out runs/abl-$data-$lv --max-steps "$STEPS" --resume
    done
    mkdir -p runs/abl-$data-model
    ln -sfn "$(realpath $CODEC)" runs/abl-$data-model/codec
    ln -sfn "$(realpath runs/abl-$data-top/model)" runs/abl-$data-model/prior-top
    ln -sfn "$(realpath runs/abl-$data-mid/model)" runs/abl-$data-model/prior-mid
  done
  .venv/bin/python bench/layer_study.py --threads 1 --layer-seeds none --codes sonido-small \
      --models sonido-small,abl-rendered=runs/abl-rendered-model,abl-mixed=runs/abl-mixed-model \
      --dataset note-probe:data/notes
fi

.venv/bin/python - <<'PY'
import json
from pathlib import Path

from sonido.fileio import atomic_write_json

priors = {}
for run in sorted(Path("runs").glob("abl-*-t*")) + sorted(Path("runs").glob("abl-*-mid")):
    info = json.loads((run / "model" / "config.json").read_text())["info"]
    priors[run.name] = {"data": info["data"], "steps": info["steps"], "batch_size": info["train"]["batch_size"],
                        "wall_seconds": info.get("wall_seconds_this_run"), "last_metrics": info["last_metrics"]}
atomic_write_json("bench/results/ablation.json", {
    "what": "sonido-small's prior architecture (small preset) on sonido-small's codec, equal steps per prior; "
            "one thread each, the other core busy with other work; probe rows: bench/results/layer-study.json "
            "(inputs abl-rendered:top+mid, abl-mixed:top+mid)",
    "priors": priors,
})
print(json.dumps(priors, indent=1))
PY
