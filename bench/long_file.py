"""Hours-long audio through ``sonido extract``: memory stays flat, time grows linearly.

    python bench/long_file.py [--model sonido-small] [--hours 3] [--short-minutes 10]
    # -> bench/results/long-file.json

Writes a synthetic music-like WAV (tones with vibrato, beats and noise; 16-bit, 22.05 kHz
mono) of ``--short-minutes`` and of ``--hours``, runs ``sonido extract --pool mean`` on
each in a fresh process with one thread, and samples the process' resident memory every
half second. Constant memory means the long file's peak equals the short one's.
Also records the size of ``--pool none`` frames per hour of audio (from the frame rates
and widths; not a separate run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
SONIDO = Path(sys.executable).parent / "sonido"


def write_music(path: Path, seconds: float, rate: int = 22050) -> None:
    """Block by block, so writing hours of audio needs no memory."""
    rng = np.random.default_rng(0)
    block = 60 * rate
    with sf.SoundFile(str(path), "w", rate, 1, subtype="PCM_16") as f:
        for start in range(0, int(seconds * rate), block):
            t = (start + np.arange(min(block, int(seconds * rate) - start))) / rate
            pitch = 220 * 2 ** (np.floor(t / 0.5) % 12 / 12)
            x = 0.2 * np.sin(2 * np.pi * pitch * t + 0.3 * np.sin(2 * np.pi * 5 * t))
            x += 0.3 * np.exp(-((t % 0.5) * 30)) * rng.standard_normal(t.size)
            f.write((0.8 * x / 1.5).astype(np.float32))


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_extract(model: str, audio: Path, out: Path) -> dict:
    cmd = [str(SONIDO), "--threads", "1", "extract", str(audio), "-m", model, "-o", str(out), "--pool", "mean",
           "--quiet"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    samples = []
    while proc.poll() is None:
        samples.append((time.perf_counter() - start, _rss_mb(proc.pid)))
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"extract failed ({proc.returncode}): {stderr[-2000:]}")
    rss = [r for _, r in samples if r > 0]
    quarters = {f"rss_mb_at_{q}pct_of_time": round(max([r for t, r in samples if t <= wall * q / 100] or [0]), 1)
                for q in (10, 25, 50, 75, 100)}  # fmt: skip
    seconds = sf.info(str(audio)).duration
    return {"audio_hours": round(seconds / 3600, 3), "wall_seconds": round(wall, 1), "loadavg_at_end": os.getloadavg()[0],
            "x_realtime": round(seconds / wall, 2), "peak_rss_mb": round(max(rss), 1), **quarters}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="sonido-small")
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--short-minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "long-file.json")
    parser.add_argument("--note", default="", help="what else ran on the machine (recorded in the results)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import sonido

    model = sonido.load_model(args.model)
    frames_per_hour = {lv: model.frame_rate(lv) * 3600 for lv in ("top", "mid")}
    none_gb_per_hour = sum(frames_per_hour[lv] * model.feature_dim(lv) * 4 for lv in frames_per_hour) / 1e9
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seconds in (args.short_minutes * 60, args.hours * 3600):
            wav = Path(tmp) / f"{seconds:.0f}s.wav"
            print(f"writing {seconds / 3600:.2f} h of audio", flush=True)
            write_music(wav, seconds)
            row = run_extract(args.model, wav, Path(tmp) / "out")
            row["file_mb"] = round(wav.stat().st_size / 2**20, 1)
            row["note"] = args.note
            rows.append(row)
            print(json.dumps(row), flush=True)
            wav.unlink()
    if args.out.exists():  # runs of other lengths stay; a length measured again is replaced
        old = json.loads(args.out.read_text())
        if old.get("model") == args.model:
            hours = {r["audio_hours"] for r in rows}
            kept = [{"note": old.get("note", ""), **r} for r in old["rows"] if r["audio_hours"] not in hours]
            rows = sorted(kept + rows, key=lambda r: r["audio_hours"])
    results = {
        "model": args.model, "command": "sonido --threads 1 extract FILE -m MODEL -o OUT --pool mean", "rows": rows,
        "pool_none_gb_per_hour": round(none_gb_per_hour, 2),
        "machine": {"usable_cores": len(os.sched_getaffinity(0)), "platform": platform.platform()},
    }  # fmt: skip
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
