"""The sonido command line. Thin: every subcommand calls the Python API."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

DESCRIPTION = "sonido: an open music foundation model (codec + priors) and the tasks its features boost."
EXIT_CODES = """exit status:
  0    everything asked for was done
  1    some input failed (unreadable audio, missing data; the rest was done)
  2    usage error (bad option values, conflicting settings)
  130  stopped by SIGINT/SIGTERM (finished outputs are kept; re-run to resume)"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help with every option's default, unless its text already states one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if "default" in text or default is None or default is False or default == argparse.SUPPRESS or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Every (sub)command gets :class:`_Formatter` and the exit-status table."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("epilog", EXIT_CODES)
        super().__init__(*args, **kwargs)


def _corpus_build(args: argparse.Namespace) -> int:
    from sonido.data.corpus import CorpusConfig, build_corpus

    config = CorpusConfig.preset(
        args.size, sample_rate=args.sample_rate, seed=args.seed, renderer=args.renderer,
        pieces=args.pieces, max_seconds=args.max_seconds, instrument=args.instrument,
    )  # fmt: skip
    path = build_corpus(args.out, config, jobs=args.jobs, progress=not args.quiet)
    print(f"wrote {path}")
    return 0


def _corpus_real(args: argparse.Namespace) -> int:
    from sonido.data.real import RealCorpusConfig, Source, build_real_corpus, read_package_list

    holdout = tuple(v for v in args.holdout.split(",") if v) if args.holdout is not None else None
    if args.from_dir is not None:
        sources = [Source(args.from_dir.resolve().name, kind="folder", path=str(args.from_dir))]
    else:
        sources = read_package_list(args.packages, holdout)
        if args.only:
            wanted = set(args.only.split(","))
            sources = [s for s in sources if s.name in wanted]
    config = RealCorpusConfig(sample_rate=args.sample_rate, min_seconds=args.min_seconds, seed=args.seed,
                              jobs=args.jobs or RealCorpusConfig().jobs)  # fmt: skip
    path = build_real_corpus(args.out, sources, config, progress=not args.quiet)
    manifest = json.loads(path.read_text())
    print(f"{'source':28s} {'role':8s} {'tracks':>6s} {'hours':>6s}")
    for name, s in manifest["sources"].items():
        print(f"{name:28s} {s['role']:8s} {s['tracks']:6d} {s['hours']:6.2f}" + (f"  skipped: {s['skipped']}" if "skipped" in s else ""))
    hours = manifest["hours"]
    print(f"total {manifest['total_seconds'] / 3600:.2f} h in {manifest['num_pieces']} tracks "
          f"(train {hours['train']:.2f} h, valid {hours['valid']:.2f}, test {hours['test']:.2f}, holdout {hours['holdout']:.2f}); "
          f"{len(manifest['skipped_sources'])} sources skipped, {manifest['duplicates_dropped']} duplicates dropped")  # fmt: skip
    print(f"wrote {path}")
    return 0


def _corpus_notes(args: argparse.Namespace) -> int:
    from sonido.data.notes import NoteSetConfig, build_note_set, other_renderer

    renderer = args.renderer
    if renderer == "auto":
        manifest = args.corpus / "manifest.json" if args.corpus else None
        renderer = other_renderer(json.loads(manifest.read_text()) if manifest and manifest.exists() else None)
    path = build_note_set(args.out, NoteSetConfig(renderer=renderer, seed=args.seed), progress=not args.quiet)
    manifest = json.loads(path.read_text())
    print(f"{len(manifest['notes'])} notes with {manifest['soundfont']} ({manifest['silent_notes_dropped']} silent dropped)")
    print(f"wrote {path}")
    return 0


def _boost(args: argparse.Namespace) -> int:
    """The main job: the booster benchmark (see :mod:`sonido.boost`)."""
    from sonido.boost import ALL_TASKS, BoostConfig, run_boost
    from sonido.signals import stop_on_signals

    tasks = ALL_TASKS if args.tasks == "all" else tuple(t.strip() for t in args.tasks.split(","))
    fractions = tuple(float(v) for v in args.fractions.split(",")) if args.fractions else ()
    cfg = BoostConfig(tasks=tasks, model=args.model, control_model=args.control_model, fractions=fractions,
                      seeds=args.seeds or 0, quick=args.quick, out=str(args.out), data=str(args.data or ""),
                      jobs=args.jobs, layers=args.layers)  # fmt: skip
    with stop_on_signals():
        report = run_boost(cfg, progress=not args.quiet)
    print(f"wrote {report}")
    return 0


def _overrides(args: argparse.Namespace) -> tuple[dict, dict]:
    """``(model, train)`` preset overrides from ``--set SECTION.KEY=VALUE`` (VALUE read as
    JSON, else kept as text) and ``--max-steps``."""
    sections: dict[str, dict] = {"model": {}, "train": {}}
    for item in args.set or []:
        key, sep, value = item.partition("=")
        section, _, name = key.partition(".")
        if not sep or section not in sections or not name:
            raise ValueError(f"--set takes model.KEY=VALUE or train.KEY=VALUE, got {item!r}")
        try:
            sections[section][name] = json.loads(value)
        except json.JSONDecodeError:
            sections[section][name] = value
    if args.max_steps:
        sections["train"]["max_steps"] = args.max_steps
    return sections["model"], sections["train"]


def _codec_train(args: argparse.Namespace) -> int:
    from sonido.train.codec import train_codec

    model_overrides, train_overrides = _overrides(args)
    if args.quantizer:
        model_overrides["quantizer"] = args.quantizer
    path = train_codec(
        args.data, args.out, preset=args.preset, model_overrides=model_overrides, train_overrides=train_overrides,
        max_minutes=args.max_minutes, devices=args.devices, num_nodes=args.num_nodes, strategy=args.strategy, accelerator=args.accelerator,
        resume=args.resume, init=args.init, precision=args.precision, progress=not args.quiet,
    )  # fmt: skip
    print(f"model: {path}")
    return 0


def _prior_train(args: argparse.Namespace) -> int:
    from sonido.train.prior import train_prior

    model_overrides, train_overrides = _overrides(args)
    path = train_prior(
        args.level, args.codec, args.data, args.out, preset=args.preset, cache=args.cache,
        model_overrides=model_overrides, train_overrides=train_overrides, max_minutes=args.max_minutes,
        devices=args.devices, num_nodes=args.num_nodes, strategy=args.strategy, accelerator=args.accelerator,
        resume=args.resume, label=args.label, excerpt_seconds=args.excerpt_seconds, precision=args.precision,
        progress=not args.quiet,
    )  # fmt: skip
    print(f"model: {path}")
    return 0


def _prior_tokens(args: argparse.Namespace) -> int:
    from sonido import codec
    from sonido.train.tokens import encode_dataset

    levels = tuple(v.strip() for v in args.levels.split(","))
    cache = encode_dataset(codec.load(args.codec), args.data, args.cache, progress=not args.quiet,
                           excerpt_seconds=args.excerpt_seconds, jobs=args.jobs, levels=levels)  # fmt: skip
    print(f"token cache: {cache}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from sonido.features.batch import extract_files
    from sonido.model import load_model

    layers = args.layers if args.layers in (None, "all") else tuple(int(v) for v in args.layers.split(","))
    levels = tuple(v.strip() for v in args.levels.split(","))
    summary = extract_files(
        load_model(args.model), args.input, args.output, levels, layers, args.pool, pattern=args.glob,
        max_seconds=args.max_seconds, overwrite=args.overwrite, accelerator=args.accelerator, devices=args.devices,
        strategy=args.strategy, progress=not args.quiet,
    )  # fmt: skip
    return _batch_status(summary)


def _task(args: argparse.Namespace) -> int:
    from sonido.tasks import get_task
    from sonido.tasks.base import REFERENCE_VARIANTS, RunConfig

    overrides = json.loads(args.task_config.read_text()) if args.task_config else {}
    if args.arch:
        overrides["arch"] = args.arch
    for pair in args.set:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--set takes key=value, got {pair!r}")
        overrides[key.strip()] = value
    task = get_task(args.name, **overrides)
    features = None if str(args.features).lower() == "none" else str(args.features)
    base = RunConfig(
        data=str(args.data), dataset=args.dataset, features=features, model=args.model,
        control_model=args.control_model, variant=args.variant or ("boosted" if features else "baseline"),
        fraction=args.train_fraction, seed=args.seed, out=str(args.out), clip_seconds=args.clip_seconds,
        accelerator=args.accelerator, layers=args.layers,
    )  # fmt: skip
    if not args.sweep:
        for row in task.run_and_save(base):
            metrics = ", ".join(f"{k} {v:.4f}" for k, v in row.metrics.items())
            print(f"{row.arch} {row.variant}{' [' + row.inputs + ']' if row.inputs else ''}: {metrics}")
        print(f"wrote {args.out / 'metrics.json'}")
        return 0
    fractions = tuple(float(v) for v in args.fractions.split(","))
    seeds = tuple(int(v) for v in args.seed_list.split(",")) if args.seed_list else tuple(range(args.seeds))
    variants = tuple(args.variants.split(",")) if args.variants else tuple(
        v for v in task.variants if features is not None or v in ("baseline", *REFERENCE_VARIANTS))
    results_path = args.results or Path("bench") / "results" / f"{task.results_name}.json"
    results = task.sweep(base, results_path, fractions, seeds, variants)
    table = results.table()
    print(table)
    for extra in [m for m in task.secondary_metrics if results.summary(m)]:
        print()
        print(results.table(extra))
    print(f"wrote {results_path}")
    return 0


def _batch_status(summary) -> int:
    """Print a folder run's :class:`~sonido.features.batch.BatchSummary`; exit 1 if any input failed."""
    print(f"written {summary.written}, already done {summary.skipped_done}, unreadable {len(summary.failed)}")
    for path, reason in summary.failed:
        print(f"  skipped {path}: {reason}")
    return 1 if summary.failed else 0


def _transcribe(args: argparse.Namespace) -> int:
    from sonido.tasks.transcription.predict import load_transcriber, transcribe_files

    summary = transcribe_files(load_transcriber(args.model), args.input, args.output, progress=not args.quiet)
    return _batch_status(summary)


def _separate(args: argparse.Namespace) -> int:
    from sonido.tasks.separation.predict import load_separator, separate_files

    summary = separate_files(load_separator(args.model), args.input, args.output, progress=not args.quiet)
    return _batch_status(summary)


def _mix(args: argparse.Namespace) -> int:
    from sonido.tasks.mixing.predict import load_mixer, mix_folder

    print(f"wrote {mix_folder(load_mixer(args.model), args.stems, args.output)}")
    return 0


def _corpus_mixing(args: argparse.Namespace) -> int:
    from sonido.tasks.mixing.dataset import build_mixing_set

    path = build_mixing_set(args.corpus, args.out, seconds=args.seconds, seed=args.seed, progress=not args.quiet)
    print(f"wrote {path}")
    return 0


def _corpus_separation(args: argparse.Namespace) -> int:
    from sonido.tasks.separation.dataset import SeparationSetConfig, build_separation_set

    cfg = SeparationSetConfig(mixes=args.mixes, seconds=args.seconds, eval_seconds=args.eval_seconds, seed=args.seed)
    path = build_separation_set(args.corpus, args.out, cfg, progress=not args.quiet)
    print(f"wrote {path}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from sonido.audio import save
    from sonido.codec.stream import encode_file
    from sonido.model import load_model
    from sonido.prior.sample import SamplingConfig, generate

    model = load_model(args.model)
    prompt = encode_file(model.codec, args.prompt) if args.prompt else None
    sampling = SamplingConfig(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p)
    audio = generate(model, args.seconds, prompt=prompt, sampling=sampling, seed=args.seed, label=args.label)
    save(args.output, audio[0].clamp(-1, 1), model.sample_rate)
    print(f"wrote {args.output} ({audio.shape[-1] / model.sample_rate:.1f} s)")
    return 0


def _encode(args: argparse.Namespace) -> int:
    from sonido import codec
    from sonido.audio_reader import AudioReader
    from sonido.codec.stream import encode_blocks
    from sonido.codec.tokenfile import TokenWriter
    from sonido.progress import AudioTask, audio_progress
    from sonido.signals import stop_on_signals

    model = codec.load(args.model)
    writer = TokenWriter(args.output)
    try:
        with audio_progress(not args.quiet) as bar, stop_on_signals():
            task = AudioTask(bar, args.input.name, AudioReader(args.input, model.sample_rate).seconds)
            for tokens in encode_blocks(model, args.input, window=args.window, overlap=args.overlap, progress=task):
                writer.add(tokens)
        frames = writer.frames
        writer.commit(model=str(args.model), sample_rate=model.sample_rate)
    finally:
        writer.discard()
    print(f"wrote {args.output}: top {frames['top']}, mid {frames['mid']}, bottom {frames['bottom']} tokens")
    return 0


def _decode(args: argparse.Namespace) -> int:
    from sonido import codec
    from sonido.audio import atomic_audio_writer
    from sonido.codec.stream import decode_blocks
    from sonido.codec.tokenfile import TokenFile
    from sonido.progress import AudioTask, audio_progress
    from sonido.signals import stop_on_signals

    model = codec.load(args.model)
    tokens = TokenFile(args.input)
    levels = tuple(x.strip() for x in args.levels.split(","))
    rate, seconds = model.sample_rate, tokens["top"].shape[-1] * model.hop_length("top") / model.sample_rate
    with audio_progress(not args.quiet) as bar, stop_on_signals(), atomic_audio_writer(args.output, rate) as out:
        task = AudioTask(bar, args.input.name, seconds)
        for audio in decode_blocks(model, tokens, levels, window=args.window, overlap=args.overlap):
            out.write(audio[0, 0].clamp(-1, 1).numpy())
            task.advance(audio.shape[-1] / rate)
    print(f"wrote {args.output} ({seconds:.2f} s, mono at {rate} Hz, from {'+'.join(levels)})")
    return 0


def _add_training_args(p: argparse.ArgumentParser, preset_help: str, data_required: bool = True) -> None:
    """The options every Lightning training command shares."""
    p.add_argument("--preset", default="tiny", help=f"{preset_help}, or a path to such a JSON file")
    p.add_argument("--data", type=Path, nargs="+", required=data_required, default=None,
                   help="corpus folders (embedded or real-music) or folders of audio; several are pooled"
                        + ("" if data_required else " (leave out to train from a finished --cache alone)"))
    p.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, logs, model)")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="wall-clock budget in minutes, counted across --resume (default: none)")
    p.add_argument("--max-steps", type=int, default=None, help="optimizer steps (default: the preset's)")
    p.add_argument("--devices", default=1, type=lambda v: v if v == "auto" else int(v), help="device count or auto")
    p.add_argument("--num-nodes", type=int, default=1,
                   help="machines in the run (Lightning: SLURM, torchrun, or MASTER_ADDR/MASTER_PORT/NODE_RANK per node)")
    p.add_argument("--strategy", default="auto", help="Lightning strategy, e.g. ddp, fsdp")
    p.add_argument("--accelerator", default="auto", help="Lightning accelerator: cpu, gpu or auto")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/last.ckpt")
    p.add_argument("--precision", default="32-true", help="Lightning precision, e.g. bf16-mixed on a GPU (default 32-true)")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="override one preset value, e.g. train.batch_size=64 or model.dropout=0.1 (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from sonido.checkpoint import DEFAULT_CONTROL, DEFAULT_MODEL
    from sonido.tasks.sampling import DEFAULT_FRACTIONS

    parser = _Parser(prog="sonido", description=DESCRIPTION)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: one per free core = usable cores minus the load average, "
                             "or SONIDO_THREADS / OMP_NUM_THREADS when set)")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)

    corpus = sub.add_parser("corpus", help="the embedded multitrack corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    build = corpus_sub.add_parser("build", help="render the corpus from music21's scores")
    build.add_argument("out", type=Path, help="output folder (re-running resumes)")
    build.add_argument("--size", choices=["tiny", "small", "full"], default="tiny",
                       help="tiny: 24 short pieces (tests, demos); small: 420 pieces; full: every usable score")
    build.add_argument("--sample-rate", type=int, default=22050, help="rate of the rendered WAVs in Hz")
    build.add_argument("--seed", type=int, default=0, help="seed of the piece choice, instruments and split")
    build.add_argument("--renderer", choices=["auto", "fluidsynth", "tinysoundfont"], default="auto",
                       help="auto: fluidsynth when installed, else the pip-only tinysoundfont")
    build.add_argument("--pieces", type=int, default=None, help="override the size's piece count")
    build.add_argument("--max-seconds", type=float, default=None, help="override the size's length cap")
    build.add_argument("--instrument", default=None,
                       help="every part on this instrument, no drums, e.g. piano (the piano-only transcription corpus)")
    build.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=_corpus_build)
    notes = corpus_sub.add_parser("notes", help="single notes for the instrument-family / pitch probes")
    notes.add_argument("out", type=Path, help="output folder (re-running resumes)")
    notes.add_argument("--corpus", type=Path, default=Path("data") / "corpus-small",
                       help="the embedded corpus: the notes use the soundfont it did not (default data/corpus-small)")
    notes.add_argument("--renderer", choices=["auto", "fluidsynth", "tinysoundfont"], default="auto",
                       help="auto: the renderer (and soundfont) the corpus did not use")
    notes.add_argument("--seed", type=int, default=0, help="seed of the split by instrument (default 0)")
    notes.add_argument("--quiet", action="store_true", help="no progress bar")
    notes.set_defaults(func=_corpus_notes)
    sset = corpus_sub.add_parser("separation", help="a MUSDB-like separation set from the corpus' stems (random remixes)")
    sset.add_argument("corpus", type=Path, help="the embedded corpus folder")
    sset.add_argument("out", type=Path, help="output folder (re-running resumes)")
    sset.add_argument("--mixes", type=int, default=400, help="random training remixes (default 400)")
    sset.add_argument("--seconds", type=float, default=6.0, help="length of each remix (default 6)")
    sset.add_argument("--eval-seconds", type=float, default=10.0, help="valid/test excerpt length (default 10)")
    sset.add_argument("--seed", type=int, default=0, help="seed of the remix draws (default 0)")
    sset.add_argument("--quiet", action="store_true", help="no progress bar")
    sset.set_defaults(func=_corpus_separation)
    mset = corpus_sub.add_parser("mixing", help="dry stems and console-made reference mixes (MedleyDB layout)")
    mset.add_argument("corpus", type=Path, help="the embedded corpus folder")
    mset.add_argument("out", type=Path, help="output folder (re-running resumes)")
    mset.add_argument("--seconds", type=float, default=10.0, help="each piece's first seconds (default 10)")
    mset.add_argument("--seed", type=int, default=0, help="seed of the console settings (default 0)")
    mset.add_argument("--quiet", action="store_true", help="no progress bar")
    mset.set_defaults(func=_corpus_mixing)
    real = corpus_sub.add_parser("real", help="recorded music from free Debian packages (or your own folder) as FLAC")
    real.add_argument("out", type=Path, help="output folder (re-running resumes)")
    real.add_argument("--packages", type=Path, default=Path(__file__).parent / "data" / "real-music.tsv",
                      help="tab-separated package list (default: the survey shipped with sonido)")
    real.add_argument("--from", dest="from_dir", type=Path, default=None,
                      help="build from this folder of audio instead of packages")
    real.add_argument("--holdout", default=None,
                      help="comma-separated packages kept out of training (default: the list's role column)")
    real.add_argument("--only", default=None, help="comma-separated subset of the list's packages")
    real.add_argument("--sample-rate", type=int, default=22050, help="FLAC rate, mono (default 22050)")
    real.add_argument("--min-seconds", type=float, default=30.0, help="shorter tracks are dropped (default 30)")
    real.add_argument("--seed", type=int, default=0, help="seed of the train/valid/test split (default 0)")
    real.add_argument("--jobs", type=int, default=None, help="sources processed at once (default: all cores)")
    real.add_argument("--quiet", action="store_true", help="no progress bar")
    real.set_defaults(func=_corpus_real)

    codec = sub.add_parser("codec", help="the HQ-VAE codec")
    codec_sub = codec.add_subparsers(dest="codec_command", required=True)
    train = codec_sub.add_parser("train", help="train a codec with Lightning")
    _add_training_args(train, "sonido/configs/codec/<preset>.json")
    train.add_argument("--quantizer", choices=["stochastic", "ema"], default=None, help="override the preset's")
    train.add_argument("--init", default=None, help="start from a pretrained codec (folder or name)")
    train.set_defaults(func=_codec_train)

    prior = sub.add_parser("prior", help="the sparse-Transformer priors")
    prior_sub = prior.add_subparsers(dest="prior_command", required=True)
    ptrain = prior_sub.add_parser("train", help="train one level's prior with Lightning")
    ptrain.add_argument("--level", choices=["top", "mid", "bottom"], required=True,
                        help="which level's prior (mid and bottom are conditioned on the level above)")
    ptrain.add_argument("--codec", default=DEFAULT_MODEL, help="codec folder or registered name")
    ptrain.add_argument("--cache", type=Path, default=None, help="token cache (default: next to --out)")
    ptrain.add_argument("--label", default=None, help="condition on a corpus manifest field, e.g. collection")
    ptrain.add_argument("--excerpt-seconds", type=float, default=None,
                        help="cache only the centre seconds of each file (default: whole files)")
    _add_training_args(ptrain, "sonido/configs/prior/<preset>.json", data_required=False)
    ptrain.set_defaults(func=_prior_train)
    ptok = prior_sub.add_parser("tokens", help="encode training audio into a token cache (what prior train reads)")
    ptok.add_argument("--codec", default=DEFAULT_MODEL, help="codec folder or registered name")
    ptok.add_argument("--data", type=Path, nargs="+", required=True, help="corpus folders or folders of audio")
    ptok.add_argument("--cache", type=Path, required=True, help="token cache folder (re-running resumes)")
    ptok.add_argument("--excerpt-seconds", type=float, default=None,
                      help="encode only the centre seconds of each file (default: whole files)")
    ptok.add_argument("--jobs", type=int, default=1, help="worker processes, one torch thread each (default 1)")
    ptok.add_argument("--levels", default="top,mid,bottom",
                      help="levels to cache: top | top,mid | top,mid,bottom (default); top,mid skips the bottom's cost")
    ptok.add_argument("--quiet", action="store_true", help="no progress bar")
    ptok.set_defaults(func=_prior_tokens)

    ext = sub.add_parser("extract", help="SoniDo features of a file or a folder of audio")
    ext.add_argument("input", type=Path, help="an audio file or a folder (searched recursively)")
    ext.add_argument("-m", "--model", default=DEFAULT_MODEL, help="model folder or name (sonido-small, sonido-tiny, small-random, tiny-random)")
    ext.add_argument("-o", "--output", type=Path, required=True, help="output folder (re-running skips finished files)")
    ext.add_argument("--levels", default="top,mid", help="comma-separated feature levels: top, mid or top,mid")
    ext.add_argument("--layers", default=None,
                     help="comma-separated layer ids, averaged (default: the middle layer), or 'all' (every layer apart)")  # fmt: skip
    ext.add_argument("--pool", choices=["mean", "none"], default="mean", help="time-pool the features or keep frames")
    ext.add_argument("--glob", default=None, help="only inputs whose path under IN matches, e.g. '*/mix.wav'")
    ext.add_argument("--max-seconds", type=float, default=None, help="use only the first seconds of every input")
    ext.add_argument("--overwrite", action="store_true",
                     help="recompute files whose features were made with other settings (otherwise the run refuses)")
    ext.add_argument("--quiet", action="store_true", help="no progress display")
    ext.add_argument("--accelerator", default="cpu", help="Lightning accelerator (cpu, gpu, auto)")
    ext.add_argument("--devices", default=1, type=lambda v: v if v == "auto" else int(v), help="device count or auto")
    ext.add_argument("--strategy", default="auto", help="Lightning strategy, e.g. ddp for several GPUs")
    ext.set_defaults(func=_extract)

    task = sub.add_parser("task", help="train and score a downstream task, or sweep it (--sweep)")
    task.add_argument("name", help="tagging | probe | transcription | separation | mixing")
    task.add_argument("--data", type=Path, default=Path("data") / "corpus-small", help="dataset folder")
    task.add_argument("--dataset", default="embedded-corpus", help="its layout: embedded-corpus, magnatagatune, "
                      "gtzan, giantsteps-key, emomusic")  # fmt: skip
    task.add_argument("--features", default="none", help="feature-cache root (filled on demand), or none")
    task.add_argument("--model", default=DEFAULT_MODEL, help="SoniDo model whose features boost the task")
    task.add_argument("--control-model", default=DEFAULT_CONTROL, help="random-weight model of the same architecture")
    task.add_argument("--variant", choices=["baseline", "boosted", "features_only", "control", "peer", "oracle", "reference"], default=None,
                      help="default: boosted with --features, else baseline")  # fmt: skip
    task.add_argument("--train-fraction", type=float, default=1.0, help="share of the training split used")
    task.add_argument("--seed", type=int, default=0, help="seed of the subset and the initialisation")
    task.add_argument("--clip-seconds", type=float, default=10.0, help="each item's first seconds are used")
    task.add_argument("--layers", choices=["default", "all"], default="default",
                      help="features: the model's tapped layer per level, or all layers mixed by learned weights "
                           "(rows marked [all layers]; not for probe: see bench/layer_study.py)")  # fmt: skip
    task.add_argument("--out", type=Path, default=Path("runs") / "task", help="run folder (metrics.json)")
    task.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="set a field of the task's config, e.g. --set lr=3e-4 --set hidden=0,512 (repeatable)")
    task.add_argument("--task-config", type=Path, default=None, help="JSON file of config fields (--set wins)")
    task.add_argument("--arch", default=None, help="the task network, as --set arch=... (e.g. umx | htdemucs for separation)")
    task.add_argument("--accelerator", default="cpu", help="Lightning accelerator for the task model: cpu, gpu, auto")
    task.add_argument("--sweep", action="store_true", help="every variant x fraction x seed; writes the results file")
    task.add_argument("--fractions", default=",".join(f"{f:g}" for f in DEFAULT_FRACTIONS), help="sweep: training fractions")
    task.add_argument("--seeds", type=int, default=3, help="sweep: seeds 0..N-1")
    task.add_argument("--seed-list", default=None,
                      help="sweep: these seeds instead (e.g. 2 or 1,2: to share a grid between machines or cores)")
    task.add_argument("--variants", default=None,
                      help="sweep: comma-separated variants (default: all the task has; without --features baseline, peer, oracle, reference)")
    task.add_argument("--results", type=Path, default=None, help="sweep: results file (bench/results/tagging.json, probes.json)")
    task.set_defaults(func=_task)

    trn = sub.add_parser("transcribe", help="audio -> MIDI with a trained transcriber (a file or a folder)")
    trn.add_argument("input", type=Path, help="an audio file or a folder (searched recursively)")
    trn.add_argument("-m", "--model", required=True,
                     help="transcriber checkpoint folder (a transcription run's OUT/model) or a shipped name")
    trn.add_argument("-o", "--output", type=Path, required=True,
                     help="OUT.mid for a file; a folder for a folder (one .mid per input, existing ones skipped)")
    trn.add_argument("--quiet", action="store_true", help="no progress display")
    trn.set_defaults(func=_transcribe)

    sep = sub.add_parser("separate", help="audio -> one file per target with a trained separator (a file or a folder)")
    sep.add_argument("input", type=Path, help="an audio file or a folder (searched recursively)")
    sep.add_argument("-m", "--model", required=True,
                     help="separator checkpoint folder (a separation run's OUT/model) or a shipped name")
    sep.add_argument("-o", "--output", type=Path, required=True,
                     help="a folder: OUT/<target>.wav for a file; OUT/<input path>/<target>.wav for a folder "
                          "(inputs whose stems exist are skipped). Float WAV at the separator's rate, stereo")
    sep.add_argument("--quiet", action="store_true", help="no progress display")
    sep.set_defaults(func=_separate)

    mx = sub.add_parser("mix", help="a folder of stems -> a stereo mix with a trained mixer")
    mx.add_argument("stems", type=Path, help="a folder: every audio file in it is one stem (any rate, any length)")
    mx.add_argument("-m", "--model", required=True, help="mixer checkpoint folder (a mixing run's OUT/model) or a shipped name")
    mx.add_argument("-o", "--output", type=Path, required=True, help="the mix (.wav; float, stereo, the mixer's rate)")
    mx.set_defaults(func=_mix)

    smp = sub.add_parser("sample", help="generate music with the priors, decoded by the codec")
    smp.add_argument("-m", "--model", default=DEFAULT_MODEL, help="model folder or name (sonido-small, sonido-tiny)")
    smp.add_argument("--seconds", type=float, default=10.0, help="total length (the prompt included)")
    smp.add_argument("--prompt", type=Path, default=None, help="audio to continue (shorter than --seconds)")
    smp.add_argument("--temperature", type=float, default=1.0, help="softmax temperature; below 1 is more conservative")
    smp.add_argument("--top-k", type=int, default=0, help="sample among the k likeliest tokens; 0 = all")
    smp.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass; 1 = off")
    smp.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one each run)")
    smp.add_argument("--label", default=None, help="steer label-conditioned priors, e.g. a collection name")
    smp.add_argument("-o", "--output", type=Path, required=True,
                     help="audio file to write (mono, at the codec's rate: 22050 Hz for the shipped models)")
    smp.set_defaults(func=_sample)

    for name, func, helptext, inp, outp in (
        ("encode", _encode, "audio file -> tokens.npz", "audio file (any rate and channels: resampled, downmixed)",
         "token file to write (.npz: one int array per level)"),
        ("decode", _decode, "tokens.npz -> audio (mono, 22.05 kHz for the shipped codecs)", "token file from encode",
         "audio file to write: mono, at the codec's rate (22050 Hz for the shipped codecs)"),
    ):  # fmt: skip
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("input", type=Path, help=inp)
        p.add_argument("-m", "--model", default=DEFAULT_MODEL, help="codec folder or registered name")
        p.add_argument("-o", "--output", type=Path, required=True, help=outp)
        p.add_argument("--window", type=int, default=1024, help="top frames per window (bounded memory)")
        p.add_argument("--overlap", type=int, default=64, help="top frames shared by neighbouring windows")
        if name == "decode":
            p.add_argument("--levels", default="top,mid,bottom", help="top | top,mid | top,mid,bottom")
        p.add_argument("--quiet", action="store_true", help="no progress display")
        p.set_defaults(func=func)

    boost = sub.add_parser("boost", help="the booster benchmark: does sonido help each task? (writes a report)")
    boost.add_argument("--tasks", default="all", help="all, or a comma-separated list of tagging, probe, transcription, "
                       "separation, mixing (default: all)")  # fmt: skip
    boost.add_argument("--model", default=DEFAULT_MODEL, help=f"pretrained SoniDo model (default {DEFAULT_MODEL})")
    boost.add_argument("--control-model", default=DEFAULT_CONTROL,
                       help=f"its random-weight control (default {DEFAULT_CONTROL})")
    boost.add_argument("--fractions", default=None, help="training fractions (default 0.1,1; --quick 0.25,1)")
    boost.add_argument("--seeds", type=int, default=None, help="seeds per cell (default 3; --quick 1)")
    boost.add_argument("--quick", action="store_true", help="the 10-minute budget: every task, short training")
    boost.add_argument("--out", type=Path, default=Path("report"), help="report folder (re-running resumes; default report)")
    boost.add_argument("--data", type=Path, default=None,
                       help="the embedded corpus (built if missing; default data/corpus-boost, "
                            "data/corpus-boost-quick with --quick)")
    boost.add_argument("--jobs", type=int, default=0,
                       help="processes (one torch thread each) the tasks run in, at most 2 lanes (default: the free cores)")
    boost.add_argument("--layers", choices=["default", "all"], default="default",
                       help="features: each prior's tapped layer, or all layers mixed by the task models (not the probes)")  # fmt: skip
    boost.add_argument("--quiet", action="store_true", help="no progress display")
    boost.set_defaults(func=_boost)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    warnings.formatwarning = lambda message, category, *rest, **kw: f"sonido: warning: {message}\n"
    from sonido.audio import AudioError
    from sonido.data.datasets.base import DatasetError
    from sonido.signals import Interrupted
    from sonido.threads import set_threads

    try:
        set_threads(args.threads)
        return args.func(args)
    except Interrupted as stop:
        print(f"sonido: {stop}; finished outputs are kept, the unfinished one was removed: re-run to resume",
              file=sys.stderr)  # fmt: skip
        return 130
    except ValueError as err:  # bad option values or conflicting settings
        print(f"sonido: error: {err}", file=sys.stderr)
        return 2
    except (AudioError, DatasetError, RuntimeError, OSError) as err:
        # Inputs that failed (unreadable audio, missing data or renderer): one line.
        print(f"sonido: error: {err}", file=sys.stderr)
        return 1
