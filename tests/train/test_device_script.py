"""The prepared GPU script (bench/device/pretrain_priors.sh) at micro size on CPU: it
trains top and mid priors from a finished token cache alone, in bf16 autocast."""

import json
import os
import subprocess
import sys
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
