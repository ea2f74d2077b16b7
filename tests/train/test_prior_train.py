"""Prior training end to end: token cache from a codec, a few steps, export, resume."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from sonido.prior import checkpoint as prior_ckpt
from sonido.train.prior import train_prior
from sonido.train.tokens import TokenWindows, encode_dataset, load_tokens

MICRO = {
    "top": {"level": "top", "vocab_size": 512, "context": 32, "width": 16, "layers": 2, "heads": 2, "block": 8},
    "mid": {"level": "mid", "vocab_size": 512, "context": 64, "width": 16, "layers": 2, "heads": 2, "block": 8,
            "upper_vocab": 512, "upsample_ratio": 4},
    "train": {"batch_size": 2, "lr": 0.001, "max_steps": 3, "checkpoint_every": 2, "val_every": 2, "val_batches": 1,
              "seed": 0},
}  # fmt: skip


def test_token_cache_is_resumable_and_codec_bound(audio_dir, tmp_path):
    from sonido import codec

    model = codec.load("tiny-random")
    cache = encode_dataset(model, audio_dir, tmp_path / "cache", progress=False)
    files = sorted((cache / "train").glob("*.npz")) + sorted((cache / "valid").glob("*.npz"))
    assert len(files) == 4
    stamp = [f.stat().st_mtime_ns for f in files]
    encode_dataset(model, audio_dir, cache, progress=False)  # nothing re-encoded
    assert [f.stat().st_mtime_ns for f in files] == stamp
    other = codec.HQVAE(codec.HQVAEConfig.preset("tiny", width=8))
    with pytest.raises(ValueError, match="another codec"):
        encode_dataset(other, audio_dir, cache, progress=False)


def test_token_cache_excerpts_in_worker_processes(audio_dir, tmp_path):
    from sonido import codec
    from sonido.audio import load
    from sonido.codec.stream import encode_windowed
    from sonido.codec.tokenizer import Tokens

    model = codec.load("tiny-random")
    cache = encode_dataset(model, audio_dir, tmp_path / "cache", progress=False, excerpt_seconds=1.0, jobs=2)
    path = next((cache / "train").glob("*.npz"))
    tokens, meta = Tokens.load(path)
    audio, _ = load(meta["source"], sample_rate=22050, mono=True)  # 2 s: its centre second is 0.5 s .. 1.5 s
    expected = encode_windowed(model, audio[None, :, 11025 : 11025 + 22050])
    assert torch.equal(tokens.top, expected.top) and torch.equal(tokens.mid, expected.mid)
    with pytest.raises(ValueError, match="excerpts"):
        encode_dataset(model, audio_dir, cache, progress=False)  # another excerpt setting: not mixed in


def test_token_cache_of_the_feature_levels_serves_top_and_mid_priors_only(audio_dir, tmp_path):
    from sonido import codec
    from sonido.codec.tokenizer import Tokens

    cache = encode_dataset(codec.load("tiny-random"), audio_dir, tmp_path / "cache", progress=False, levels=("top", "mid"))
    tokens, _ = Tokens.load(next((cache / "train").glob("*.npz")))
    assert tokens.mid.shape[-1] == 4 * tokens.top.shape[-1] > 0 and tokens.bottom.numel() == 0
    preset = tmp_path / "micro.json"
    preset.write_text(json.dumps({**MICRO, "bottom": {**MICRO["mid"], "level": "bottom"}}))
    with pytest.raises(ValueError, match="holds the levels"):
        encode_dataset(codec.load("tiny-random"), audio_dir, cache, progress=False, levels=("top", "mid", "bottom"))
    with pytest.raises(ValueError, match="bottom prior needs"):
        train_prior("bottom", "tiny-random", audio_dir, tmp_path / "run", preset=str(preset), cache=cache, progress=False)


def test_token_windows_align_levels(audio_dir, tmp_path):
    from sonido import codec

    cache = encode_dataset(codec.load("tiny-random"), audio_dir, tmp_path / "cache", progress=False)
    clips, sources = load_tokens(cache, "train")
    assert len(sources) == len(clips) and all(s.endswith(".wav") for s in sources)
    ds = TokenWindows(clips, "mid", context=64, length=10, seed=0)
    tokens, upper, label = ds[3]
    assert tokens.shape == (64,) and upper.shape == (16,) and label.item() == -1
    # The upper window is exactly the top tokens above the mid window.
    clip = next(c for c in ds.clips if any(
        torch.equal(c.mid[0, s : s + 64], tokens) for s in range(0, c.mid.shape[-1] - 63, 4)))  # fmt: skip
    start = next(s for s in range(0, clip.mid.shape[-1] - 63, 4) if torch.equal(clip.mid[0, s : s + 64], tokens))
    assert torch.equal(clip.top[0, start // 4 : start // 4 + 16], upper)
    assert torch.equal(ds[3][0], tokens)  # deterministic


@pytest.mark.parametrize("level", ["top", "mid"])
def test_train_prior_export_and_resume(level, audio_dir, tmp_path):
    preset = tmp_path / "micro.json"
    preset.write_text(json.dumps(MICRO))
    run = tmp_path / level
    model_dir = train_prior(level, "tiny-random", audio_dir, run, preset=str(preset), progress=False)
    prior = prior_ckpt.load(model_dir)
    assert prior.config.level == level and prior.config.context == MICRO[level]["context"]
    train_prior(level, "tiny-random", audio_dir, run, preset=str(preset), train_overrides={"max_steps": 9},
                resume=True, progress=False)  # fmt: skip
    # The exported model is the best-validated one of both runs, not the last step's.
    logged = [float(v) for f in run.glob("logs/*/metrics.csv") for v in csv_column(f, "val/loss")]
    assert len(logged) >= 4
    info = json.loads((model_dir / "config.json").read_text())["info"]
    assert info["last_metrics"]["val/loss"] == pytest.approx(min(logged), abs=1e-5)


def csv_column(path, name):
    """The non-empty values of one column of a Lightning CSV log."""
    import csv

    with open(path) as f:
        return [row[name] for row in csv.DictReader(f) if row.get(name)]


def test_collect_audio_never_puts_a_file_in_both_splits(audio_dir):
    from sonido.train.audio_data import collect_audio

    files = collect_audio(audio_dir)
    assert files.valid and files.train and not set(files.train) & set(files.valid)
    assert len(files.train) + len(files.valid) == 4


def test_label_conditioned_training_and_sampling(tmp_path):
    """--label collection: the prior learns a label embedding and keeps the names; sampling takes a name."""
    from sonido.prior.sample import _label_ids, sample_level

    root = tmp_path / "corpus"
    rng = np.random.default_rng(0)
    pieces = []
    for i, (collection, split) in enumerate([("bach", "train"), ("folk", "train"), ("folk", "train"), ("bach", "valid")]):
        (root / "pieces" / f"p{i}").mkdir(parents=True)
        sf.write(str(root / "pieces" / f"p{i}" / "mix.wav"), (0.1 * rng.standard_normal(22050 * 2)).astype(np.float32), 22050)
        pieces.append({"id": f"p{i}", "split": split, "mix": f"pieces/p{i}/mix.wav", "collection": collection})
    (root / "manifest.json").write_text(json.dumps({"pieces": pieces}))
    preset = tmp_path / "micro.json"
    preset.write_text(json.dumps(MICRO))
    model_dir = train_prior("top", "tiny-random", root, tmp_path / "run", preset=str(preset), progress=False,
                            label="collection")  # fmt: skip
    prior = prior_ckpt.load(model_dir).eval()
    assert prior.config.label_names == ("bach", "folk") and prior.label is not None
    ids = _label_ids(prior, "folk", 2)
    assert ids.tolist() == [1, 1]
    a = sample_level(prior, 12, batch=2, label=ids, generator=torch.Generator().manual_seed(0))
    b = sample_level(prior, 12, batch=2, label=_label_ids(prior, "bach", 2), generator=torch.Generator().manual_seed(0))
    assert a.shape == (2, 12) and not torch.equal(a, b)  # the label changes what is sampled
    with pytest.raises(ValueError, match="unknown label"):
        _label_ids(prior, "jazz", 1)
    with pytest.raises(ValueError, match="single-valued 'tags'"):
        pieces[0]["tags"] = ["piano"]
        (root / "manifest.json").write_text(json.dumps({"pieces": pieces}))
        train_prior("top", "tiny-random", root, tmp_path / "run2", preset=str(preset), progress=False, label="tags")
