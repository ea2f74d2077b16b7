"""Codec benchmark: speed, memory, reconstruction quality, codebook use; SQ vs EMA-VQ.

    python bench/codec.py --corpus data/corpus-small [--real data/real] [--out bench/results/codec.json]
    python bench/codec.py --speed-only --out bench/results/codec-speed.json   # on an idle machine

Evaluates the shipped codecs (``sonido-tiny``'s stochastic quantizer, ``sonido-small``'s
when it is installed) and the deterministic EMA-VQ baseline trained with the tiny recipe
and wall-clock budget, side by side in one run, on the rendered corpus' test split and,
with ``--real``, the real-music corpus' test split. A reference row per split: 8-bit
µ-law PCM at the codec's bit rate (the sample rate at which 8 bits per sample cost what
the three token streams cost), which a codec worth its bits must beat. Prints tables and
writes a JSON file.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import peak_extra_mb  # noqa: E402
from sonido import codec  # noqa: E402
from sonido.codec.evaluate import DEPTHS, evaluate_codec  # noqa: E402
from sonido.codec.losses import mel_distance, si_sdr, stft_distance  # noqa: E402
from sonido.codec.stream import decode_windowed, encode_windowed  # noqa: E402
from sonido.codec.tokenizer import LEVELS  # noqa: E402
from sonido.data.datasets import EmbeddedCorpus, RealCorpus  # noqa: E402

MODELS = {
    "stochastic (sonido-tiny)": "sonido-tiny",
    "ema-vq baseline": str(ROOT / "bench" / "baselines" / "codec-tiny-ema"),
    "stochastic (sonido-small)": "sonido-small",
}


def bits_per_second(model) -> float:
    """The token streams' bit rate: Σ over levels of frame rate × log2(codebook size)."""
    return sum(model.frame_rate(lv) * math.log2(model.codebook_size(lv)) for lv in LEVELS)


def mulaw_reference(dataset, split: str, max_seconds: float, bitrate: float, sample_rate: int) -> dict:
    """Mean mel distance / SI-SDR / MR-STFT of 8-bit µ-law PCM at ``bitrate / 8`` Hz (librosa's
    µ-law, soxr resampling down and back up), over the split's first ``max_seconds``."""
    import librosa

    from sonido.audio import resample

    low = int(bitrate // 8)
    scores = {"mel_distance": [], "si_sdr": [], "stft": []}
    for item in dataset.split(split):
        x, _ = dataset.load(item, sample_rate=sample_rate, mono=True)
        x = x[None, :, : int(max_seconds * sample_rate)]
        coded = librosa.mu_compress(resample(x, sample_rate, low).clamp(-1, 1).numpy(), mu=255, quantize=True)
        y = resample(torch.from_numpy(librosa.mu_expand(coded, mu=255, quantize=True)).float(), low, sample_rate)
        y = torch.nn.functional.pad(y, (0, max(0, x.shape[-1] - y.shape[-1])))[..., : x.shape[-1]]  # soxr: ±1 sample
        scores["mel_distance"].append(mel_distance(y, x, sample_rate).item())
        scores["si_sdr"].append(si_sdr(y, x).item())
        scores["stft"].append(stft_distance(y, x).item())
    return {"sample_rate": low, "bits_per_second": round(bitrate, 1),
            **{k: round(statistics.mean(v), 4) for k, v in scores.items()}}  # fmt: skip


def _timed(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def speed(model, seconds: float, batch: int) -> dict[str, float]:
    """× real time of encode and decode on ``batch`` clips of ``seconds`` (noise-like music stand-in)."""
    torch.manual_seed(0)
    n = int(seconds * model.sample_rate)
    x = 0.1 * torch.randn(batch, 1, n)
    tokens = model.encode(x)
    audio_seconds = batch * seconds
    return {
        "encode_x_realtime": round(audio_seconds / _timed(lambda: model.encode(x)), 2),
        "encode_top_mid_x_realtime": round(audio_seconds / _timed(lambda: model.encode(x, ("top", "mid"))), 2),
        "decode_x_realtime": round(audio_seconds / _timed(lambda: model.decode(tokens)), 2),
    }


def _peak_child(name: str, seconds: float, queue) -> None:
    model = codec.load(name)
    x = 0.1 * torch.randn(1, 1, int(seconds * model.sample_rate))
    tokens, enc, enc_peak = peak_extra_mb(lambda: encode_windowed(model, x))
    _, dec, dec_peak = peak_extra_mb(lambda: decode_windowed(model, tokens))
    queue.put({"encode_x_realtime": round(seconds / enc, 2), "decode_x_realtime": round(seconds / dec, 2),
               "encode_peak_extra_mb": round(enc_peak, 1), "decode_peak_extra_mb": round(dec_peak, 1),
               "audio_mb": round(x.numel() * 4 / 2**20, 1)})  # fmt: skip


def long_file(name: str, seconds: float = 600.0) -> dict[str, float]:
    """Windowed encode, then decode, of a 10-minute file in a fresh process: peak RSS growth
    during each, with the model and the input already in memory. The decode runs after the
    encode in the same process, so it reuses memory the encode freed: its figure is the
    growth beyond the encode's peak, not the decode's footprint alone."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(name, seconds, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return {"seconds": seconds, **result}


def learning_curves(folder: Path) -> dict[str, list[dict]]:
    """Validation metrics per step from the training runs' CSV logs (copied beside the
    baseline), so the two quantizers can be compared at equal steps as well as at equal
    wall-clock."""
    import csv

    curves = {}
    for path in sorted(folder.glob("*.csv")):
        rows = []
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                if r.get("val/mel_distance"):
                    rows.append({"step": int(r["step"]) + 1,
                                 **{k[4:]: round(float(v), 4) for k, v in r.items() if k.startswith("val/") and v}})  # fmt: skip
        curves[path.stem] = rows
    return curves


def _shown(path: str | Path) -> str:
    """``path`` as stored in the results: relative to the repository when inside it (a
    default path is absolute), else as given."""
    path = Path(path)
    return str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "corpus-small")
    parser.add_argument("--real", type=Path, default=None, help="the real-music corpus (sonido corpus real)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "codec.json")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="seconds of each test piece evaluated")
    parser.add_argument("--long-seconds", type=float, default=600.0)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--skip-speed", action="store_true",
                      help="reconstruction and code use only (speed figures mean little on a loaded machine)")
    mode.add_argument("--speed-only", action="store_true",
                      help="speed and memory only (no reconstruction, no µ-law reference): for an idle machine")
    parser.add_argument("--codecs", default="", help="comma-separated names of MODELS to evaluate (default: all)")
    parser.add_argument("--add", action="append", default=[], metavar="LABEL=FOLDER",
                        help="also evaluate this codec folder under this label (repeatable)")
    parser.add_argument("--note", default="", help="what else ran on the machine, kept in the results")
    parser.add_argument("--resume", action="store_true", help="keep the models already in --out (written after each)")
    args = parser.parse_args()

    datasets = {} if args.speed_only else {"corpus": EmbeddedCorpus(args.corpus)}  # speed needs no corpus
    if args.real is not None and not args.speed_only:
        datasets["real"] = RealCorpus(args.real)
    results = {"machine": {"platform": platform.platform(), "torch": torch.__version__, "threads": torch.get_num_threads()},
               "corpus": _shown(args.corpus), "real": args.real and _shown(args.real), "models": {}, "mulaw_reference": {}}  # fmt: skip
    results["notes"] = args.note
    if args.resume and args.out.exists():
        results["models"] = json.loads(args.out.read_text()).get("models", {})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The reference first: cheap, and a failure here should not wait for the codecs.
    ref = codec.load("sonido-tiny")
    for key, ds in datasets.items():
        results["mulaw_reference"][key] = mulaw_reference(
            ds, "test", args.max_seconds, bits_per_second(ref), ref.sample_rate
        )
    models = {**MODELS, **dict(item.split("=", 1) for item in args.add)}
    for label, name in models.items():
        if args.codecs and name not in args.codecs.split(","):
            continue
        if label in results["models"]:
            print(f"== {label}: in {args.out} already", flush=True)
            continue
        try:
            model = codec.load(name)
        except (FileNotFoundError, ValueError) as err:
            print(f"== {label}: not available ({err}); skipped", flush=True)
            continue
        info = codec.checkpoint.info(name)
        print(f"== {label}: {name}", flush=True)
        entry = {
            "checkpoint": _shown(name),
            "quantizer": model.config.quantizer,
            "parameters": sum(p.numel() for p in model.parameters()),
            "bits_per_second": round(bits_per_second(model), 1),
            "train_steps": info.get("steps"),
            "train": info.get("train"),
        }
        if not args.skip_speed:
            entry["speed"] = {"batch1_30s": speed(model, 30.0, 1), "batch8_10s": speed(model, 10.0, 8)}
            entry["long_file"] = long_file(name, args.long_seconds)
        if not args.speed_only:
            # The rendered corpus' figures stay at the top level, as in earlier results files.
            entry.update(evaluate_codec(model, datasets["corpus"], "test", args.max_seconds))
            if "real" in datasets:
                entry["real"] = evaluate_codec(model, datasets["real"], "test", args.max_seconds)
        results["models"][label] = entry
        _write(args.out, results)  # partial: a later step that fails loses nothing (--resume)
    if not args.speed_only:
        results["learning_curves"] = learning_curves(ROOT / "bench" / "results" / "codec-train")
    if args.speed_only or {"stochastic (sonido-tiny)", "ema-vq baseline"} - set(results["models"]):
        _write(args.out, results)
        _print(results)
        return
    sq, vq = results["models"]["stochastic (sonido-tiny)"], results["models"]["ema-vq baseline"]
    results["comparison"] = {
        f"usage_pct/{lv}": {"stochastic": sq["codes"][lv]["usage_pct"], "ema": vq["codes"][lv]["usage_pct"]}
        for lv in LEVELS
    }
    for depth in DEPTHS:
        results["comparison"][f"mel_distance/{depth}"] = {
            "stochastic": sq["reconstruction"][depth]["mel_distance"],
            "ema": vq["reconstruction"][depth]["mel_distance"],
        }
    _write(args.out, results)
    _print(results)
    print(f"wrote {args.out}")


def _write(path: Path, results: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(path)


def _print(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title="codec: reconstruction on the test split (mel distance ↓, SI-SDR dB ↑, MR-STFT ↓)")
    for col in ("model", "decode from", "mel", "SI-SDR", "MR-STFT"):
        t.add_column(col)
    for label, m in results["models"].items():
        for key, res in (("corpus", m), ("real", m.get("real"))):
            for depth, r in (res or {}).get("reconstruction", {}).items():
                t.add_row(
                    f"{label} [{key}]", depth, f"{r['mel_distance']:.3f}", f"{r['si_sdr']:.2f}", f"{r['stft']:.3f}"
                )
    for key, r in results["mulaw_reference"].items():
        t.add_row(f"8-bit µ-law at {r['sample_rate']} Hz [{key}]", "-", f"{r['mel_distance']:.3f}", f"{r['si_sdr']:.2f}",
                  f"{r['stft']:.3f}")  # fmt: skip
    con.print(t)
    t = Table(title="codebooks on the test split")
    for col in ("model", "level", "usage %", "perplexity", "codes"):
        t.add_column(col)
    for label, m in results["models"].items():
        for key, res in (("corpus", m), ("real", m.get("real"))):
            for lv, c in (res or {}).get("codes", {}).items():
                t.add_row(
                    f"{label} [{key}]", lv, f"{c['usage_pct']:.1f}", f"{c['perplexity']:.1f}", str(c["codebook_size"])
                )
    con.print(t)
    t = Table(title="speed (× real time, CPU) and memory")
    for col in (
        "model",
        "enc b1",
        "enc b1 top+mid",
        "dec b1",
        "enc b8",
        "dec b8",
        "10-min enc",
        "10-min dec",
        "peak extra MB (enc / dec)",
    ):
        t.add_column(col)
    for label, m in results["models"].items():
        if "speed" not in m:
            continue
        s, lf = m["speed"], m["long_file"]
        t.add_row(label, str(s["batch1_30s"]["encode_x_realtime"]), str(s["batch1_30s"].get("encode_top_mid_x_realtime")),
                  str(s["batch1_30s"]["decode_x_realtime"]),
                  str(s["batch8_10s"]["encode_x_realtime"]), str(s["batch8_10s"]["decode_x_realtime"]),
                  str(lf["encode_x_realtime"]), str(lf["decode_x_realtime"]),
                  f"{lf['encode_peak_extra_mb']}/{lf['decode_peak_extra_mb']}")  # fmt: skip
    con.print(t)


if __name__ == "__main__":
    main()
