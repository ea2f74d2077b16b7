"""The audio pack that travels to a lent GPU machine: the centre excerpt of every train and
valid piece of some corpora, as low-bit-rate Ogg Vorbis, with a manifest that keeps their
splits (test and holdout pieces never travel). `pretrain_all.sh` trains the codec on it and
encodes the priors' tokens from it there.

    python bench/device/pack_audio.py OUT DATA [DATA ...] [--seconds 13]

The run tool carries at most 64 MiB with the working tree: Vorbis at its lowest quality is
~4 kB/s here, so 877 pieces x 13 s is ~45 MB. Resumable (finished files are kept), atomic.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import soundfile as sf
from rich.progress import track

from sonido.audio import AudioError, load
from sonido.fileio import atomic_write_bytes, atomic_write_json
from sonido.train.tokens import centre_excerpt

SAMPLE_RATE = 22050
SPLITS = ("train", "valid")


def pack(out: Path, roots: list[Path], seconds: float, progress: bool = True) -> dict:
    """Write ``out/audio/<corpus>-<piece>.ogg`` and ``out/manifest.json``; returns the manifest."""
    pieces, skipped = [], []
    todo = [(root, p) for root in roots for p in json.loads((root / "manifest.json").read_text())["pieces"]
            if p["split"] in SPLITS]  # fmt: skip
    for root, piece in track(todo, description="packing", disable=not progress):
        name = f"audio/{root.name}-{Path(piece['mix']).with_suffix('').as_posix().replace('/', '_')}.ogg"
        if not (out / name).exists():
            try:
                audio, _ = load(root / piece["mix"], sample_rate=SAMPLE_RATE, mono=True)  # [1, T]
            except AudioError as err:
                skipped.append(str(err))
                continue
            buf = io.BytesIO()
            excerpt = centre_excerpt(audio, SAMPLE_RATE, seconds)[0].numpy()
            sf.write(buf, excerpt, SAMPLE_RATE, format="OGG", subtype="VORBIS", compression_level=1.0)
            atomic_write_bytes(out / name, buf.getvalue())
        pieces.append({"mix": name, "split": piece["split"], "source": root.name})
    manifest = {"sources": [str(r) for r in roots], "excerpt_seconds": seconds, "sample_rate": SAMPLE_RATE,
                "pieces": pieces, "skipped": skipped}  # fmt: skip
    atomic_write_json(out / "manifest.json", manifest)
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("data", type=Path, nargs="+", help="corpus folders with a manifest.json (embedded or real)")
    ap.add_argument("--seconds", type=float, default=13.0, help="centre excerpt per piece")
    args = ap.parse_args()
    manifest = pack(args.out, args.data, args.seconds)
    size = sum(f.stat().st_size for f in (args.out / "audio").iterdir())
    hours = len(manifest["pieces"]) * args.seconds / 3600
    print(f"{len(manifest['pieces'])} pieces, <= {hours:.2f} h, {size / 1e6:.1f} MB; {len(manifest['skipped'])} skipped")


if __name__ == "__main__":
    main()
