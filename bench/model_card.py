"""Write the model card of shipped weights from their checkpoints and the benchmark files.

    python bench/model_card.py [--model sonido-tiny|sonido-small]   # -> sonido/weights/<model>/README.md
    python bench/model_card.py --ship RUN/model --name NAME --results bench/results/TASK.json
        # a task model trained by a sweep (transcriber, separator, mixer) -> sonido/weights/NAME/

Every figure in the card is read from ``config.json`` (training info) or from
``bench/results/*.json``; nothing is typed in by hand but the paragraphs on data and
licences below.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ("top", "mid", "bottom")
RESULTS = ROOT / "bench" / "results"

INTRO = {
    "sonido-tiny": [
        "The pretrained tiny SoniDo model shipped with sonido: an HQ-VAE codec and sparse-Transformer",
        "priors for the top and mid levels, trained on 2 CPU cores on the embedded corpus (`sonido corpus",
        "build --size small`: 420 pieces rendered from music21's scores with General-MIDI soundfonts,",
        "about 4 hours, mono 22.05 kHz).",
    ],
    "sonido-small": [
        "SoniDo's second model, pretrained on recorded music: the `small` codec recipe (the tiny",
        "architecture with the fix for the top level's collapse) and compute-sized priors (width 128 x 6",
        "layers) for the top and mid levels, trained on one CPU thread each on the real-music corpus'",
        "train split (`sonido corpus real`: free game and tracker music from Debian packages, 29.3 h)",
        "plus the rendered small corpus (4.0 h); the priors read 20-second centre excerpts of every",
        "training file (4.8 h of tokens), about 2 hours each over two sessions (the wall-clock below is the",
        "second session's share). Later sessions can resume it from `checkpoints/sonido-small/`.",
    ],
}


def _seen(model: str, part: str) -> float:
    """What a shipped part's training saw, from its ``config.json``: hours of audio (codec)
    or millions of tokens (priors)."""
    meta = _info(ROOT / "sonido" / "weights" / model / part)
    steps, train, cfg = meta["info"]["steps"], meta["info"]["train"], meta["config"]
    if part == "codec":
        return steps * train["batch_size"] * train["segment"] / cfg["sample_rate"] / 3600
    return steps * train["batch_size"] * cfg["context"] / 1e6


def _gpu_intro() -> list[str]:
    """sonido-small-gpu's paragraph, its figures read from its and sonido-small's configs."""
    codec = _info(ROOT / "sonido" / "weights" / "sonido-small-gpu" / "codec")
    train, sr = codec["info"]["train"], codec["config"]["sample_rate"]
    seen = {part: _seen("sonido-small-gpu", part) for part in ("codec", "prior-top", "prior-mid")}
    return [
        "sonido-small's recipe (the same codec architecture and 128 x 6 priors) trained on a lent GPU",
        "(one NVIDIA H200, `bench/device/pretrain_all.sh`; the run's record is",
        f"`bench/results/device-pretraining.json`): the codec fine-tuned from sonido-small's for {codec['info']['steps']}",
        f"steps of {train['batch_size']} x {train['segment'] / sr:.1f} s crops ({seen['codec']:.0f} h of audio "
        f"seen, against {_seen('sonido-small', 'codec'):.1f} h for",
        "sonido-small's), then both priors trained from scratch on its tokens "
        f"({seen['prior-top']:.0f} M and {seen['prior-mid']:.0f} M",
        f"tokens seen, top {seen['prior-top'] / _seen('sonido-small', 'prior-top'):.1f}x sonido-small's). The data is the pack that travelled to the GPU",
        "(`bench/device/pack_audio.py`): the centre 11 s of every train and valid piece of the real-music",
        "corpus and the rendered small corpus, as Ogg Vorbis at its lowest quality (test and holdout pieces",
        "stayed here).",
    ]


MODELS = (*INTRO, "sonido-small-gpu")
"""Shipped models with a card: the CPU-trained ones' paragraphs are typed (INTRO), sonido-small-gpu's read."""


RENDERED_LICENCE = [
    "- The rendered corpus: scores from music21's bundled corpus (BSD-licensed toolkit; the scores are",
    "  public-domain works or distributed by music21 for research) rendered with FluidR3_GM (MIT) or",
    "  TimGM6mb (GPL-2).",
]
MEANING = [
    "",
    "What this means for users of the weights: the code is Apache-2.0 and so are the weights as far as",
    "sonido's authors are concerned, but some training data is copyleft (GPL, CC-BY-SA) or asks for",
    "credit (CC-BY). Whether weights trained on a work are a derivative of it is legally unsettled; if",
    "you redistribute the weights, keep this list with them and credit the packages. Generated audio",
    "that reproduces training material would carry that material's licence.",
    "",
]


def licences(model: str) -> list[str]:
    """The data-licence section: the rendered corpus, and for models trained on recorded music one
    row per Debian package (hours used, its licence as surveyed in sonido/data/real-music.tsv)."""
    lines = ["## Data licences", "", *RENDERED_LICENCE]
    corpus = RESULTS / "corpus-real.json"
    if model == "sonido-tiny" or not corpus.exists():
        return lines + MEANING
    survey = {}
    for row in (ROOT / "sonido" / "data" / "real-music.tsv").read_text().splitlines():
        cells = row.split("\t")
        if not row.startswith("#") and len(cells) >= 7 and cells[0] != "package":
            survey[cells[0]] = cells[5]
    sources = json.loads(corpus.read_text())["sources"]
    lines += ["- The real-music corpus: free music from these Debian packages (licence as surveyed from each",
              "  package's copyright file; per-track licences, including every licence name in the copyright",
              "  file, are in the built corpus' `manifest.json`). Holdout packages were never trained on.", "",
              "| package | role | tracks | hours | licence |", "|---|---|---:|---:|---|"]  # fmt: skip
    for name, src in sorted(sources.items()):
        lines.append(
            f"| {name} | {src['role']} | {src['tracks']} | {src['hours']:.2f} | {survey.get(name, 'see package')} |"
        )
    return lines + MEANING


def _info(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**20


def ship_task_model(source: Path, name: str, results_path: Path) -> Path:
    """Copy a task run's saved model into ``sonido/weights/NAME`` and write its card: what it is,
    how it was trained (its checkpoint's info), its test scores and the sweep it came from."""
    import shutil

    meta = _info(source)
    info, cfg = meta["info"], meta["config"]
    results = json.loads(results_path.read_text())
    target = ROOT / "sonido" / "weights" / name
    target.mkdir(parents=True, exist_ok=True)
    for f in ("model.safetensors", "config.json"):
        shutil.copy2(source / f, target / f)
    test = info.get("test", {})
    feature_model = cfg.get("feature_model")
    lines = [f"# {name}", "",
             f"A `{meta['class']}` trained by the `{results['task']}` sweep (`{results_path.relative_to(ROOT)}`) and",
             f"shipped with sonido. Run {info.get('variant')} at training fraction {info.get('fraction')}, seed "
             f"{info.get('seed')}, on `{info.get('data')}`; "
             + (f"it reads the features of `{feature_model}`." if feature_model else "it reads no SoniDo features."),
             "Every figure below is read from its checkpoint by `bench/model_card.py --ship`.", "",
             f"- {_size_mb(target):.2f} MB of weights (safetensors)",
             f"- task config: `{json.dumps(cfg.get('task', cfg))}`", "",
             "## Test scores (its sweep's test split)", "", "| metric | value |", "|---|---:|"]  # fmt: skip
    lines += [f"| {k} | {v:.4f} |" for k, v in test.items() if isinstance(v, (int, float))]
    lines += ["", "The sweep's table, with the other variants and seeds, is in the README.", "",
              "## Limits", "",
              "- Trained for minutes on CPU on General-MIDI renders of music21 scores: it knows that domain",
              "  (those soundfonts, those styles); on recordings expect much less than the test scores above.", ""]  # fmt: skip
    lines += ["## Data licences", "", *RENDERED_LICENCE, *MEANING]
    (target / "README.md").write_text("\n".join(lines))
    print(f"wrote {target}")
    return target


CURVES = {  # model -> (label, CSV under bench/results, validation column)
    "sonido-small": (("codec: mel distance", "codec-train/small.csv", "val/mel_distance"),
                     ("top prior: bits/token", "prior-train/small-top.csv", "val/bits_per_token"),
                     ("mid prior: bits/token", "prior-train/small-mid.csv", "val/bits_per_token")),
    "sonido-small-gpu": (("codec: mel distance", "device-train/codec.csv", "val/mel_distance"),
                         ("top prior: bits/token", "device-train/prior-top.csv", "val/bits_per_token"),
                         ("mid prior: bits/token", "device-train/prior-mid.csv", "val/bits_per_token")),
    "sonido-tiny": (("codec: mel distance", "codec-train/stochastic.csv", "val/mel_distance"),
                    ("top prior: bits/token", "prior-train/top.csv", "val/bits_per_token"),
                    ("mid prior: bits/token", "prior-train/mid.csv", "val/bits_per_token")),
}  # fmt: skip


def training_curves(model: str, out: Path) -> Path | None:
    """One panel per part: its validation metric against the optimizer step, as logged."""
    import csv

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = [(label, RESULTS / rel, col) for label, rel, col in CURVES.get(model, ()) if (RESULTS / rel).exists()]
    if not parts:
        return None
    fig, axes = plt.subplots(1, len(parts), figsize=(4 * len(parts), 3))
    for ax, (label, path, col) in zip(list(axes) if len(parts) > 1 else [axes], parts):
        with open(path, newline="") as f:
            rows = [(int(r["step"]) + 1, float(r[col])) for r in csv.DictReader(f) if r.get(col)]
        ax.plot(*zip(*rows), marker=".")
        ax.set(title=label, xlabel="step")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return out


def codec_figures(path: Path) -> list[str]:
    """The codec tables of ``bench/codec.py``'s file: reconstruction per model, depth and test
    split, the 8-bit µ-law reference at the same bit rate, and code use."""
    if not path.exists():
        return []
    res = json.loads(path.read_text())
    lines = ["## Codec figures (`bench/results/codec.json`)", "",
             "| model | test split | decode from | mel distance ↓ | SI-SDR dB ↑ | MR-STFT ↓ |", "|---|---|---|---|---|---|"]  # fmt: skip
    for label, m in res["models"].items():
        for split, entry in (("rendered", m), ("recorded", m.get("real"))):
            for depth, r in (entry or {}).get("reconstruction", {}).items():
                lines.append(
                    f"| {label} | {split} | {depth} | {r['mel_distance']:.3f} | {r['si_sdr']:.2f} | {r['stft']:.3f} |"
                )
    for key, r in res.get("mulaw_reference", {}).items():
        split = {"corpus": "rendered", "real": "recorded"}.get(key, key)
        lines.append(f"| 8-bit µ-law PCM at {r['sample_rate']} Hz ({r['bits_per_second']:.0f} bit/s) | {split} | - | "
                     f"{r['mel_distance']:.3f} | {r['si_sdr']:.2f} | {r['stft']:.3f} |")  # fmt: skip
    lines += ["", "| model | level | usage % | perplexity |", "|---|---|---|---|"]
    for label, m in res["models"].items():
        for lv, c in m["codes"].items():
            lines.append(f"| {label} | {lv} | {c['usage_pct']:.1f} | {c['perplexity']:.1f} |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="sonido-tiny")
    parser.add_argument("--ship", type=Path, default=None, help="a task run's model folder to ship")
    parser.add_argument("--name", default=None, help="with --ship: the shipped name")
    parser.add_argument("--results", type=Path, default=None, help="with --ship: the sweep's results file")
    args = parser.parse_args()
    if args.ship is not None:
        if not (args.name and args.results):
            parser.error("--ship needs --name and --results")
        ship_task_model(args.ship, args.name, args.results.resolve())
        return
    weights = ROOT / "sonido" / "weights" / args.model
    intro = INTRO[args.model] if args.model in INTRO else _gpu_intro()
    lines = [f"# {args.model}", "", *intro,
             "Every figure below is read from the checkpoints and from `bench/results/*.json` by",
             "`bench/model_card.py`.", ""]  # fmt: skip
    total = 0.0
    for part in ("codec", "prior-top", "prior-mid"):
        folder = weights / part
        if not folder.is_dir():
            lines += [f"## {part}", "", "not trained yet.", ""]
            continue
        meta = _info(folder)
        info, cfg = meta["info"], meta["config"]
        total += _size_mb(folder)
        lines += [f"## {part}", "",
                  f"- class `{meta['class']}`, {_size_mb(folder):.2f} MB of weights (safetensors)",
                  f"- data: `{info.get('data')}`; steps: {info.get('steps')}; "
                  f"wall-clock of the run: {info.get('wall_seconds_this_run')} s",
                  f"- config: `{json.dumps(cfg)}`",
                  f"- training: `{json.dumps(info.get('train'))}`",
                  f"- last logged metrics: `{json.dumps(info.get('last_metrics'))}`", ""]  # fmt: skip
    lines += [f"Total weights: {total:.2f} MB.", ""]
    lines += codec_figures(RESULTS / "codec.json")
    # bench/prior.py measures one model per file: prior.json (sonido-tiny) or prior-<model>.json.
    found = [p for p in (RESULTS / "prior.json", RESULTS / f"prior-{args.model}.json")
             if p.exists() and json.loads(p.read_text()).get("model") == args.model]  # fmt: skip
    if found:
        res = json.loads(found[0].read_text())
        lines += [f"## Prior figures (`bench/results/{found[0].name}`)", "",
                  "| level | test split | bits/token | unigram entropy (train) | uniform |", "|---|---|---|---|---|"]  # fmt: skip
        for key, split in (("bits_per_token", "rendered corpus"), ("bits_per_token_real", "recorded music")):
            for lv, r in sorted(res.get(key, {}).items(), key=lambda kv: LEVELS.index(kv[0])):
                lines.append(f"| {lv} | {split} | {r['bits_per_token']:.3f} | {r['unigram_entropy_bits']:.3f} | "
                             f"{r['uniform_bits']:.3f} |")  # fmt: skip
        ex = res["extraction"]
        lines += ["", f"Feature extraction (top + mid) of a {ex['audio_seconds']:.0f} s file: {ex['x_realtime']}× real time, "
                  f"peak memory +{ex['peak_extra_mb']} MB ({res['machine']['threads']} thread(s))."]  # fmt: skip
        lines += [f"Measured while: {res['note']}", ""] if res.get("note") else [""]
    curves = training_curves(args.model, weights / "curves.png")
    if curves:
        lines += ["## Training curves", "", f"![curves]({curves.name})", "",
                  "Validation loss per step, from the runs' CSV logs in `bench/results/*-train/`.", ""]  # fmt: skip
    lines += ["## Limits", "",
              "- Small on purpose: trained for minutes to hours (on CPU, or minutes on one GPU), on game, tracker and synthesized",
              "  General-MIDI music. Expect weak reconstructions and generations; the point is the method",
              "  and the measured shape of its effects, not the absolute quality.",
              "- The bottom-level prior is not trained; generation decodes from top + mid.", ""]  # fmt: skip
    lines += licences(args.model)
    (weights / "README.md").write_text("\n".join(lines))
    print(f"wrote {weights / 'README.md'}")


if __name__ == "__main__":
    main()
