"""Writers of tiny dataset fixtures in each standard on-disk layout (synthetic audio)."""

import csv

import numpy as np
import pretty_midi
import soundfile as sf

RATE = 8000


def clip(path, seconds=0.5, channels=1, freq=220.0, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    x = np.stack([0.2 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x.astype(np.float32), rate)
    return path


def mtat(root, split_files=False):
    """16 clips, one per folder 0-f; tags cycle so every tag is used; one clip has no tag."""
    tags = ["guitar", "classical", "slow", "techno", "strings", "drums", "rock", "piano"]
    rows = []
    for i, folder in enumerate("0123456789abcdef"):
        mp3 = f"{folder}/artist-track-{i}.mp3"
        clip(root / "mp3" / mp3, freq=200 + 20 * i)
        on = [] if i == 15 else [tags[i % 8], tags[(i + 3) % 8]]
        rows.append([str(i), *("1" if t in on else "0" for t in tags), mp3])
    with open(root / "annotations_final.csv", "w", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["clip_id", *tags, "mp3_path"])
        w.writerows(rows)
    if split_files:
        (root / "split").mkdir()
        parts = {"train": rows[:10], "valid": rows[10:12], "test": rows[12:]}
        for name, rs in parts.items():
            np.save(root / "split" / f"{name}.npy", np.array([f"{r[0]}\t{r[-1]}" for r in rs]))
    return tags


def maestro(root):
    rows = []
    for i, split in enumerate(["train", "train", "validation", "test"]):
        audio, midi = f"2018/perf-{i}.wav", f"2018/perf-{i}.midi"
        clip(root / audio, freq=262 * (i + 1), rate=16000)
        pm = pretty_midi.PrettyMIDI()
        inst = pretty_midi.Instrument(0)
        inst.notes = [pretty_midi.Note(80, 60 + i, 0.0, 0.4)]
        pm.instruments.append(inst)
        pm.write(str(root / midi))
        rows.append(dict(canonical_composer="Chopin", canonical_title=f"Etude {i}", split=split, year=2018,
                         midi_filename=midi, audio_filename=audio, duration=0.5))  # fmt: skip
    with open(root / "maestro-v3.0.0.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def musdb(root):
    tracks = {"train": ["A - Song", "Leaf - Summerghost"], "test": ["B - Other"]}
    for folder, names in tracks.items():
        for name in names:
            for k, s in enumerate(["mixture", "drums", "bass", "other", "vocals"]):
                clip(root / folder / name / f"{s}.wav", channels=2, freq=100 + 50 * k)


def gtzan(root, with_splits=True):
    genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
    for g in genres:
        for n in range(10):
            clip(root / "genres_original" / g / f"{g}.{n:05d}.wav", seconds=0.1)
    if with_splits:
        for name, ns in {"train": range(0, 6), "valid": range(6, 8), "test": range(8, 9)}.items():
            lines = [f"{g}/{g}.{n:05d}.wav" for g in genres for n in ns]
            (root / f"{name}_filtered.txt").write_text("\n".join(lines) + "\n")


def emomusic(root):
    (root / "annotations").mkdir(parents=True)
    ann = ["song_id, mean_arousal, std_arousal, mean_valence, std_valence"]
    info = ["song_id,file_name,Artist,Song title,start of the segment (min.sec),end of the segment (min.sec),Genre,Mediaeval 2013 set"]
    for i in range(2, 22):
        clip(root / "clips_45seconds" / f"{i}.mp3")
        ann.append(f"{i}, {3 + i / 10:.2f}, 0.9, {6 - i / 10:.2f}, 1.1")
        info.append(f"{i},{i}.mp3,Artist,Title,0.0,45.0,Rock,{'evaluation' if i >= 17 else 'development'}")
    (root / "annotations" / "static_annotations.csv").write_text("\n".join(ann) + "\n")
    (root / "songs_info.csv").write_text("\n".join(info) + "\n")


def giantsteps(root):
    keys = ["Eb minor", "C major", "F# minor"]
    for i, k in enumerate(keys):
        clip(root / "audio" / f"{1000 + i}.LOFI.mp3")
        path = root / "annotations" / "key" / f"{1000 + i}.LOFI.key"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(k + "\n")
    return keys
