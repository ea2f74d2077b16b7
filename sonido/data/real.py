"""The real-music corpus: recorded music from free Debian packages, or any folder of audio.

``build_real_corpus(OUT, sources)`` turns each source (a Debian package fetched with
``apt-get download`` and unpacked with ``dpkg-deb -x``, or a folder of the user's audio)
into FLAC tracks at 22.05 kHz mono under ``OUT/tracks/<source>/``, keeps music tracks of
at least ``min_seconds`` (sound effects and ambience out), renders tracker modules with
``openmpt123``, and writes ``OUT/manifest.json`` in the embedded corpus' shape (``pieces``
with ``mix`` and ``split``), so every training and task loader reads it unchanged.

Resumable at two grains: a finished source leaves ``OUT/sources/<name>.json`` (its track
records, or the reason it was skipped) and is not fetched again; inside a source, a track
whose FLAC exists is not decoded again. Downloads and unpacked trees live in a temporary
folder that is deleted when the source is done. A source that cannot be fetched is
skipped with its reason and counted, never a crash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sonido.audio import AudioError, info, load, save
from sonido.data.corpus import SPLITS
from sonido.fileio import atomic_write_json

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
DECODED = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"}
"""Suffixes libsndfile decodes."""
MODULES = {".mod", ".xm", ".it", ".s3m", ".mptm"}
"""Tracker modules, rendered with openmpt123."""
ARCHIVES = {".zip", ".pk3"}
"""Archives whose audio members are read (0 A.D., UFO:AI)."""
SKIP_PARTS = re.compile(r"ambien|weather|sfx|effect|voice|speech|sound_?fx|footstep|jingle", re.IGNORECASE)
"""A track whose path has a folder matching this is a sound effect or ambience, not music."""


@dataclass(frozen=True)
class Source:
    """One thing to turn into tracks.

    Attributes:
        name: the source label of its tracks (the package name, or the folder's name).
        kind: ``deb`` (a Debian package) or ``folder``.
        path: the folder for ``folder`` sources.
        licence: the licence as listed (re-read from the package's copyright file too).
        role: ``train`` (its tracks are split train/valid/test) or ``holdout`` (all its
            tracks go to the ``holdout`` split: never pretrained on).
        style: free text from the package list.
    """

    name: str
    kind: str = "deb"
    path: str | None = None
    licence: str = ""
    role: str = "train"
    style: str = ""


@dataclass(frozen=True)
class RealCorpusConfig:
    """How tracks are selected, stored and split.

    Attributes:
        sample_rate: FLAC rate (mono).
        min_seconds: shorter tracks are not music for our purpose (jingles, effects).
        seed: drives the split.
        split: train/valid/test fractions, assigned per track.
        jobs: sources processed at once (each is download + decode).
    """

    sample_rate: int = 22050
    min_seconds: float = 30.0
    seed: int = 0
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)


def read_package_list(path: str | os.PathLike, holdout: tuple[str, ...] | None = None) -> list[Source]:
    """Sources from a tab-separated list (``package format hours tracks style licence role``,
    ``#`` comments). ``holdout`` (package names) overrides the list's ``role`` column."""
    lines = [ln for ln in Path(path).read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t"))
    if not rows or "package" not in rows[0]:
        raise ValueError(f"{path}: expected a tab-separated table with a 'package' column")
    out = []
    for r in rows:
        role = r.get("role", "train") or "train"
        if holdout is not None:
            role = "holdout" if r["package"] in holdout else "train"
        out.append(Source(r["package"], licence=r.get("licence", ""), role=role, style=r.get("style", "")))
    return out


def _fetch_deb(name: str, work: Path) -> Path:
    """``apt-get download`` the package into ``work`` (reusing a ``.deb`` already there)."""
    found = sorted(work.glob(f"{name}_*.deb"))
    if found:
        return found[0]
    cmd = ["apt-get", "download", "-q", name]
    res = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    lists_empty = not any(Path("/var/lib/apt/lists").glob("*_Packages*"))
    if res.returncode != 0 and lists_empty and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True)  # a fresh machine has no lists
        res = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    found = sorted(work.glob(f"{name}_*.deb"))
    if res.returncode != 0 or not found:
        raise RuntimeError(f"apt-get download {name} failed: {res.stderr.strip().splitlines()[-1:] or res.returncode}")
    return found[0]


def _copyright_licences(tree: Path) -> list[str]:
    """The ``License:`` names in the package's Debian copyright file(s)."""
    names = set()
    for f in tree.glob("usr/share/doc/*/copyright"):
        for line in f.read_text(errors="replace").splitlines():
            if line.startswith("License:") and line[8:].strip():
                names.add(line[8:].strip())
    return sorted(names)


def _unpack_archives(tree: Path) -> None:
    """Extract the audio members of ``.zip``/``.pk3`` archives next to them."""
    for arc in [p for p in tree.rglob("*") if p.suffix.lower() in ARCHIVES and p.is_file()]:
        try:
            with zipfile.ZipFile(arc) as z:
                for m in z.infolist():
                    suffix = Path(m.filename).suffix.lower()
                    if not m.is_dir() and (suffix in DECODED or suffix in MODULES) and ".." not in m.filename:
                        z.extract(m, arc.parent / f"{arc.name}.d")
        except zipfile.BadZipFile:
            log.warning("not a readable archive: %s", arc)


def _candidates(tree: Path) -> list[Path]:
    """Audio files under ``tree`` that may be music: not under an ambience/effects folder;
    when some sit under a folder named like ``music``, only those."""
    files = sorted(p for p in tree.rglob("*") if p.is_file() and p.suffix.lower() in DECODED | MODULES)
    files = [p for p in files if not any(SKIP_PARTS.search(part) for part in p.relative_to(tree).parts[:-1])]
    music = [p for p in files if any("music" in part.lower() for part in p.relative_to(tree).parts[:-1])]
    return music or files


def _render_module(path: Path, sample_rate: int, work: Path) -> Path:
    """A tracker module rendered once through (no loops) to a WAV by openmpt123."""
    if shutil.which("openmpt123") is None:
        raise AudioError(path, "tracker module, but openmpt123 is not installed (apt-get install openmpt123)")
    # openmpt123 writes <input>.wav beside its input: render a copy in the work folder, never
    # beside the user's file.
    copy = work / f"{hashlib.sha1(str(path).encode()).hexdigest()[:12]}{path.suffix}"
    shutil.copyfile(path, copy)
    cmd = ["openmpt123", "--quiet", "--render", "--force", "--no-float", "--samplerate", str(sample_rate),
           "--channels", "1", "--repeat", "0", "--output-type", "wav", str(copy)]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    rendered = Path(f"{copy}.wav")
    if res.returncode != 0 or not rendered.exists():
        raise AudioError(path, f"openmpt123 could not render it: {res.stderr.strip()[-200:]}")
    return rendered


def pcm_sha1(path: Path) -> str:
    """sha1 of a stored track's 16-bit samples: equal for copies whose files differ only in
    container bytes (e.g. one game's per-language folders holding the same Ogg music)."""
    import soundfile as sf

    data, _ = sf.read(str(path), dtype="int16")
    return hashlib.sha1(np.ascontiguousarray(data).tobytes()).hexdigest()


def _track_id(rel: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", rel.rsplit(".", 1)[0]).strip("_")[-80:]
    return f"{stem}-{hashlib.sha1(rel.encode()).hexdigest()[:6]}"


def _convert(src: Source, tree: Path, out: Path, config: RealCorpusConfig, work: Path) -> dict:
    """Every music track of ``tree`` to FLAC; returns the source's record."""
    tracks, rejected = [], {"short": 0, "unreadable": 0}
    for path in _candidates(tree):
        rel = path.relative_to(tree).as_posix()
        tid = _track_id(rel)
        dest = out / "tracks" / src.name / f"{tid}.flac"
        try:
            sha = hashlib.sha1(path.read_bytes()).hexdigest()
            if not dest.exists():
                decoded = _render_module(path, config.sample_rate, work) if path.suffix.lower() in MODULES else path
                meta = info(decoded)
                if meta.frames / meta.samplerate < config.min_seconds:  # cheap check before decoding
                    rejected["short"] += 1
                    continue
                audio, _ = load(decoded, sample_rate=config.sample_rate, mono=True)
                peak = float(audio.abs().max())
                if peak < 1e-4:
                    raise AudioError(path, "silent")
                save(dest, audio.clamp(-1, 1), config.sample_rate, subtype="PCM_16")
            duration = info(dest).frames / config.sample_rate
            pcm = pcm_sha1(dest)
        except AudioError as err:
            log.info("skipping %s", err)
            rejected["unreadable"] += 1
            continue
        tracks.append({
            "id": f"{src.name}/{tid}", "source": src.name, "package": src.name if src.kind == "deb" else None,
            "original_path": rel, "sha1": sha, "pcm_sha1": pcm, "duration": round(duration, 3),
            "mix": (dest.relative_to(out)).as_posix(),
        })  # fmt: skip
    return {"source": asdict(src), "tracks": tracks, "rejected": rejected}


def process_source(src: Source, out: str | os.PathLike, config: RealCorpusConfig) -> dict:
    """Fetch (for a package), unpack, convert; write ``OUT/sources/<name>.json``. Never raises
    for a bad source: the record then holds ``skipped`` with the reason."""
    out = Path(out)
    done = out / "sources" / f"{src.name}.json"
    if done.exists():
        return json.loads(done.read_text())
    downloads = out / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=f".work-{src.name}-") as tmp:
        work = Path(tmp)
        try:
            if src.kind == "folder":
                tree, licences = Path(src.path), []
                if not tree.is_dir():
                    raise RuntimeError(f"no such folder: {tree}")
            else:
                deb = _fetch_deb(src.name, downloads)
                tree = work / "tree"
                res = subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], capture_output=True, text=True)
                if res.returncode != 0:
                    raise RuntimeError(f"dpkg-deb -x failed: {res.stderr.strip()[-200:]}")
                _unpack_archives(tree)
                licences = _copyright_licences(tree)
            record = _convert(src, tree, out, config, work)
            record["copyright_licences"] = licences
        except (RuntimeError, OSError, subprocess.SubprocessError) as err:
            record = {"source": asdict(src), "tracks": [], "skipped": f"{type(err).__name__}: {err}"[:400]}
    if src.kind == "deb":
        for deb in downloads.glob(f"{src.name}_*.deb"):
            deb.unlink()
    atomic_write_json(done, record)
    return record


def assign_track_splits(tracks: list[dict], seed: int, fractions: tuple[float, float, float]) -> dict[str, str]:
    """Per track id: ``train``/``valid``/``test`` from a seeded hash per source (every
    source with ≥3 tracks lands in all three), or ``holdout`` for holdout sources."""
    out = {}
    by_source: dict[str, list[dict]] = {}
    for t in tracks:
        by_source.setdefault(t["source"], []).append(t)
    for name, group in sorted(by_source.items()):
        if group[0]["role"] == "holdout":
            out.update({t["id"]: "holdout" for t in group})
            continue
        ids = sorted(t["id"] for t in group)
        order = [ids[i] for i in np.random.default_rng([seed, zlib.crc32(name.encode())]).permutation(len(ids))]
        n = len(order)
        n_test = max(1, round(fractions[2] * n)) if n >= 3 else 0
        n_valid = max(1, round(fractions[1] * n)) if n >= 3 else 0
        for i, tid in enumerate(order):
            out[tid] = "test" if i < n_test else "valid" if i < n_test + n_valid else "train"
    return out


def build_real_corpus(out: str | os.PathLike, sources: list[Source], config: RealCorpusConfig | None = None,
                      progress: bool = True) -> Path:  # fmt: skip
    """Build (or resume) the corpus in ``out``; returns the manifest path.

    Duplicate tracks (same file bytes or same decoded samples: one song shipped by two
    games, or per-language copies in one) are kept once, in the first source listed; the
    other copies' FLACs are deleted.
    """
    config = config or RealCorpusConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError("two sources share a name: " + ", ".join(sorted({n for n in names if names.count(n) > 1})))
    from rich.progress import Progress

    records: dict[str, dict] = {}
    with Progress(disable=not progress) as bar, ProcessPoolExecutor(max(1, config.jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
        task = bar.add_task("real-music corpus", total=len(sources))
        futures = {pool.submit(process_source, s, out, config): s for s in sources}
        for fut in as_completed(futures):
            src = futures[fut]
            records[src.name] = fut.result()
            rec = records[src.name]
            hours = sum(t["duration"] for t in rec["tracks"]) / 3600
            bar.console.print(f"{src.name}: " + (f"skipped ({rec['skipped']})" if "skipped" in rec else
                                                  f"{len(rec['tracks'])} tracks, {hours:.2f} h"))  # fmt: skip
            bar.advance(task)
    shutil.rmtree(out / "downloads", ignore_errors=True)

    tracks, seen, duplicates = [], set(), 0
    for s in sources:
        rec = records[s.name]
        if any("pcm_sha1" not in t for t in rec["tracks"]):  # a record from before the PCM hash existed
            for t in rec["tracks"]:
                t.setdefault("pcm_sha1", pcm_sha1(out / t["mix"]))
            atomic_write_json(out / "sources" / f"{s.name}.json", rec)
        for t in rec["tracks"]:
            if t["sha1"] in seen or t["pcm_sha1"] in seen:
                duplicates += 1
                (out / t["mix"]).unlink(missing_ok=True)
                continue
            seen.update((t["sha1"], t["pcm_sha1"]))
            tracks.append(dict(t, licence=s.licence, role=s.role, style=s.style,
                               copyright_licences=records[s.name].get("copyright_licences", [])))  # fmt: skip
    splits = assign_track_splits(tracks, config.seed, config.split)
    pieces = [dict(t, split=splits[t["id"]], collection=t["source"]) for t in tracks]
    per_source = {}
    for s in sources:
        mine = [p for p in pieces if p["source"] == s.name]
        per_source[s.name] = {"tracks": len(mine), "hours": round(sum(p["duration"] for p in mine) / 3600, 3),
                              "role": s.role, **({"skipped": records[s.name]["skipped"]} if "skipped" in records[s.name] else {})}  # fmt: skip
    manifest = {
        "version": MANIFEST_VERSION,
        "name": "sonido-real-corpus",
        "config": {k: v for k, v in asdict(config).items() if k != "jobs"},
        "sample_rate": config.sample_rate,
        "num_pieces": len(pieces),
        "total_seconds": round(sum(p["duration"] for p in pieces), 3),
        "splits": {s: sum(p["split"] == s for p in pieces) for s in (*SPLITS, "holdout")},
        "hours": {s: round(sum(p["duration"] for p in pieces if p["split"] == s) / 3600, 3) for s in (*SPLITS, "holdout")},
        "sources": per_source,
        "skipped_sources": sorted(n for n, r in records.items() if "skipped" in r),
        "duplicates_dropped": duplicates,
        "pieces": pieces,
    }
    return atomic_write_json(out / "manifest.json", manifest)
