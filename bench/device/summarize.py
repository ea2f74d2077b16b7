"""What a device run brought back, as figures: per stage the steps, wall-clock, throughput
and validation curve, read from the unpacked tars of `pretrain_all.sh` (each stage's
``model/config.json`` and ``logs/*/metrics.csv``). Copies the CSV logs beside the results
so the model card can draw the curves.

    python bench/device/summarize.py RUN --device "one NVIDIA H200" --settings "..." \
        [--out bench/results/device-pretraining.json] [--logs bench/results/device-train]

RUN holds ``codec/``, ``prior-top/`` and ``prior-mid/`` (a stage that did not come back is
reported missing).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sonido.fileio import atomic_write_json  # noqa: E402

STAGES = {"codec": "val/mel_distance", "prior-top": "val/bits_per_token", "prior-mid": "val/bits_per_token"}


def last_log(folder: Path) -> Path:
    """The stage's newest Lightning CSV log."""
    return sorted(folder.glob("logs/*/metrics.csv"))[-1]


def stage_figures(folder: Path, metric: str) -> dict:
    """Steps, wall-clock, throughput and the ``metric`` curve of one returned stage (the
    step and wall-clock of its exported model: a prior's best-validated one)."""
    meta = json.loads((folder / "model" / "config.json").read_text())
    info, config = meta["info"], meta["config"]
    train, steps, wall = info["train"], info["steps"], info["wall_seconds_this_run"]
    with open(last_log(folder), newline="") as f:
        curve = [(int(r["step"]) + 1, round(float(r[metric]), 4)) for r in csv.DictReader(f) if r.get(metric)]
    out = {"steps": steps, "wall_seconds": wall, "steps_per_second": round(steps / wall, 2), "train": train,
           "curve": {"metric": metric, "points": curve}, "exported": info["last_metrics"]}  # fmt: skip
    if "segment" in train:  # a codec: audio seen
        seen = steps * train["batch_size"] * train["segment"] / config["sample_rate"]
        out["audio_hours_seen"] = round(seen / 3600, 2)
    else:  # a prior: tokens seen
        out["tokens_per_second"] = round(steps * train["batch_size"] * config["context"] / wall)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--device", required=True, help="the machine, in words")
    ap.add_argument("--settings", required=True, help="the pretrain_all.sh call and its environment")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "device-pretraining.json")
    ap.add_argument("--logs", type=Path, default=ROOT / "bench" / "results" / "device-train")
    args = ap.parse_args()
    results = {"device": args.device, "settings": args.settings, "stages": {}}
    args.logs.mkdir(parents=True, exist_ok=True)
    for stage, metric in STAGES.items():
        folder = args.run / stage
        if not (folder / "model" / "config.json").exists():
            results["stages"][stage] = "missing: the stage did not come back"
            continue
        results["stages"][stage] = fig = stage_figures(folder, metric)
        shutil.copyfile(last_log(folder), args.logs / f"{stage}.csv")
        points = fig["curve"]["points"]
        print(f"{stage:10s} {fig['steps']:6d} steps in {fig['wall_seconds']:.0f} s ({fig['steps_per_second']} /s); "
              f"{metric} first {points[0] if points else '-'} last {points[-1] if points else '-'}")  # fmt: skip
    atomic_write_json(args.out, results)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
