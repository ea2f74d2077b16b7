"""The ``sonido`` command line. Thin: every subcommand calls the Python API."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

DEFAULT_CORPUS = Path("data") / "corpus-tiny"


def _corpus_build(args: argparse.Namespace) -> int:
    from sonido.data.corpus import CorpusConfig, build_corpus

    config = CorpusConfig.preset(
        args.size, sample_rate=args.sample_rate, seed=args.seed, renderer=args.renderer,
        pieces=args.pieces, max_seconds=args.max_seconds,
    )  # fmt: skip
    path = build_corpus(args.out, config, jobs=args.jobs, progress=not args.quiet)
    print(f"wrote {path}")
    return 0


def _boost(args: argparse.Namespace) -> int:
    """The main job. Until the booster benchmark exists: build the tiny corpus and check it."""
    from sonido.data.corpus import CorpusConfig, build_corpus
    from sonido.data.datasets import EmbeddedCorpus
    from sonido.data.summary import print_summary, summarize

    build_corpus(args.data, CorpusConfig.preset("tiny"), jobs=args.jobs)
    summary = summarize(EmbeddedCorpus(args.data))
    print_summary(summary)
    if summary.max_sum_error > 1e-4:
        print("error: a mix differs from the sum of its stems", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sonido", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    corpus = sub.add_parser("corpus", help="the embedded multitrack corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    build = corpus_sub.add_parser("build", help="render the corpus from music21's scores")
    build.add_argument("out", type=Path, help="output folder (re-running resumes)")
    build.add_argument("--size", choices=["tiny", "small", "full"], default="tiny")
    build.add_argument("--sample-rate", type=int, default=22050)
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--renderer", choices=["auto", "fluidsynth", "tinysoundfont"], default="auto")
    build.add_argument("--pieces", type=int, default=None, help="override the size's piece count")
    build.add_argument("--max-seconds", type=float, default=None, help="override the size's length cap")
    build.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=_corpus_build)

    boost = sub.add_parser("boost", help="the main job on the embedded default data")
    boost.add_argument("--data", type=Path, default=DEFAULT_CORPUS, help="where the tiny corpus lives")
    boost.add_argument("--jobs", type=int, default=None)
    boost.set_defaults(func=_boost)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    from sonido.audio import AudioError
    from sonido.data.datasets.base import DatasetError

    try:
        return args.func(args)
    except (AudioError, DatasetError, ValueError, RuntimeError, OSError) as err:
        # Known failure modes (bad arguments, missing renderer, unreadable files): one line.
        print(f"sonido: error: {err}", file=sys.stderr)
        return 2
