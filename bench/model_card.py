"""Write the model card of the shipped weights from their checkpoints and the benchmark files.

    python bench/model_card.py   # -> sonido/weights/sonido-tiny/README.md

Every figure in the card is read from ``config.json`` (training info) or from
``bench/results/{codec,prior}.json``; nothing is typed in by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "sonido" / "weights" / "sonido-tiny"
RESULTS = ROOT / "bench" / "results"


def _info(folder: Path) -> dict:
    return json.loads((folder / "config.json").read_text())


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) / 2**20


def main() -> None:
    lines = ["# sonido-tiny", "",
             "The pretrained tiny SoniDo model shipped with sonido: an HQ-VAE codec and sparse-Transformer",
             "priors for the top and mid levels, trained on 2 CPU cores on the embedded corpus (`sonido corpus",
             "build --size small`: 420 pieces rendered from music21's scores with General-MIDI soundfonts,",
             "about 4 hours, mono 22.05 kHz). Every figure below is read from the checkpoints and from",
             "`bench/results/*.json` by `bench/model_card.py`.", ""]  # fmt: skip
    total = 0.0
    for part in ("codec", "prior-top", "prior-mid"):
        folder = WEIGHTS / part
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
    codec_path = RESULTS / "codec.json"
    if codec_path.exists():
        res = json.loads(codec_path.read_text())
        lines += ["## Codec figures (`bench/results/codec.json`)", "",
                  "| model | decode from | mel distance ↓ | SI-SDR dB ↑ | MR-STFT ↓ |", "|---|---|---|---|---|"]  # fmt: skip
        for label, m in res["models"].items():
            for depth, r in m["reconstruction"].items():
                lines.append(f"| {label} | {depth} | {r['mel_distance']:.3f} | {r['si_sdr']:.2f} | {r['stft']:.3f} |")
        lines += ["", "| model | level | usage % | perplexity |", "|---|---|---|---|"]
        for label, m in res["models"].items():
            for lv, c in m["codes"].items():
                lines.append(f"| {label} | {lv} | {c['usage_pct']:.1f} | {c['perplexity']:.1f} |")
        lines.append("")
    prior_path = RESULTS / "prior.json"
    if prior_path.exists():
        res = json.loads(prior_path.read_text())
        lines += ["## Prior figures (`bench/results/prior.json`)", "",
                  "| level | bits/token (test) | unigram entropy (train) | uniform |", "|---|---|---|---|"]  # fmt: skip
        for lv, r in res["bits_per_token"].items():
            lines.append(f"| {lv} | {r['bits_per_token']:.3f} | {r['unigram_entropy_bits']:.3f} | {r['uniform_bits']:.3f} |")
        ex = res["extraction"]
        lines += ["", f"Feature extraction (top + mid) of a {ex['audio_seconds']:.0f} s file: {ex['x_realtime']}× real time, "
                  f"peak memory +{ex['peak_extra_mb']} MB.", ""]  # fmt: skip
    lines += ["## Limits", "",
              "- Tiny on purpose: trained for minutes on CPU, on synthesized General-MIDI renderings of mostly",
              "  classical and folk scores. Expect weak reconstructions and generations; the point is the",
              "  method and the measured shape of its effects, not the absolute quality.",
              "- The bottom-level prior is not trained; generation decodes from top + mid.", ""]  # fmt: skip
    (WEIGHTS / "README.md").write_text("\n".join(lines))
    print(f"wrote {WEIGHTS / 'README.md'}")


if __name__ == "__main__":
    main()
