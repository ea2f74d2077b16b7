"""The prepared GPU script (bench/device/pretrain_priors.sh) at micro size on CPU: it
trains top and mid priors from a finished token cache alone, in bf16 autocast."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from sonido import codec
from sonido.prior import checkpoint as prior_ckpt
from sonido.train.tokens import encode_dataset
from tests.train.test_prior_train import MICRO

ROOT = Path(__file__).resolve().parents[2]


def test_device_script_trains_both_priors_from_a_cache(audio_dir, tmp_path):
    cache = encode_dataset(codec.load("tiny-random"), audio_dir, tmp_path / "cache", progress=False, levels=("top", "mid"))
    preset = tmp_path / "micro.json"
    preset.write_text(json.dumps(MICRO))
    env = {**os.environ, "ACCELERATOR": "cpu", "PRECISION": "bf16-mixed", "PY": sys.executable, "OUT": str(tmp_path / "out")}
    subprocess.run(["bash", str(ROOT / "bench/device/pretrain_priors.sh"), "tiny-random", str(cache), "1", str(preset)],
                   check=True, env=env, capture_output=True)  # fmt: skip
    for level in ("top", "mid"):
        prior = prior_ckpt.load(tmp_path / "out" / f"prior-{level}" / "model")
        assert prior.config.level == level and prior.config.width == MICRO[level]["width"]


def test_whole_pretraining_script_packs_each_stage(audio_dir, tmp_path):
    """pretrain_all.sh: codec fine-tune -> tokens -> both priors, each stage tarred into OUT."""
    preset = tmp_path / "micro.json"
    preset.write_text(json.dumps(MICRO))
    out = tmp_path / "out"
    env = {**os.environ, "ACCELERATOR": "cpu", "PRECISION": "32-true", "PY": sys.executable, "OUT": str(out),
           "WORK": str(tmp_path / "work"), "JOBS": "1", "PRIOR_PRESET": str(preset), "CODEC_PRESET": "tiny",
           "CODEC_SET": "train.segment=4096 train.batch_size=2 train.max_steps=2 train.val_every=2 "
                        "train.val_batches=1 train.checkpoint_every=2",
           "PRIOR_SET": "train.max_steps=2"}  # fmt: skip
    subprocess.run(["bash", str(ROOT / "bench/device/pretrain_all.sh"), str(audio_dir), "tiny-random", "1", "1"],
                   check=True, env=env, capture_output=True)  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["codec.tar", "prior-mid.tar", "prior-top.tar"]
    work = tmp_path / "work"
    tuned = codec.load(work / "codec" / "model")
    assert codec.checkpoint.info(work / "codec" / "model")["steps"] == 2
    for level in ("top", "mid"):
        with tarfile.open(out / f"prior-{level}.tar") as tar:
            assert {"model/config.json", "model/model.safetensors"} <= set(tar.getnames())
        prior = prior_ckpt.load(work / f"prior-{level}" / "model")
        assert prior.config.level == level and prior.config.vocab_size == tuned.codebook_size(level)
        info = json.loads((work / f"prior-{level}" / "model" / "config.json").read_text())["info"]
        assert info["train"]["max_steps"] == 2  # the --set values reached the priors
