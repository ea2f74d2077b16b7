"""Corpus benchmark: how long a fresh build takes here, and what it yields.

    python bench/corpus.py [--size tiny] [--out bench/results/corpus-tiny.json]

Builds the corpus from scratch into a temporary folder with every core, then reports
the wall-clock time, pieces, hours of audio, skipped pieces and disk use.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sonido.data.corpus import CorpusConfig, build_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny", choices=["tiny", "small", "full"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or ROOT / "bench" / "results" / f"corpus-{args.size}.json"
    with tempfile.TemporaryDirectory(prefix="sonido-corpus-") as tmp:
        start = time.perf_counter()
        manifest = json.loads(build_corpus(tmp, CorpusConfig.preset(args.size), progress=False).read_text())
        elapsed = time.perf_counter() - start
        disk = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    result = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "size": args.size,
        "renderer": manifest["config"]["renderer"],
        "build_seconds": round(elapsed, 1),
        "pieces": manifest["num_pieces"],
        "audio_hours": round(manifest["total_seconds"] / 3600, 3),
        "skipped": len(manifest["skipped"]),
        "splits": manifest["splits"],
        "disk_mb": round(disk / 2**20, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
