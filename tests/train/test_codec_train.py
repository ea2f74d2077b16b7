"""Codec training end to end on a folder of synthetic audio, with a micro preset."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from sonido import codec
from sonido.train.codec import train_codec

MICRO = {
    "model": {"width": 8, "depth": 1, "code_dim": 4, "codebook_sizes": [16, 16, 16], "stft_sizes": [64, 32]},
    "train": {"segment": 2048, "batch_size": 2, "lr": 0.001, "max_steps": 4, "checkpoint_every": 2,
              "val_every": 2, "val_batches": 1, "seed": 0},
}  # fmt: skip


@pytest.fixture
def audio_dir(tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "music"
    for i in range(6):
        t = np.arange(22050) / 22050
        x = 0.3 * np.sin(2 * np.pi * (220 + 40 * i) * t) + 0.01 * rng.standard_normal(t.size)
        (root / f"album{i % 2}").mkdir(parents=True, exist_ok=True)
        sf.write(str(root / f"album{i % 2}" / f"track{i}.flac"), x.astype(np.float32), 22050)
    (root / "broken.wav").write_bytes(b"not audio")  # skipped with a warning, not a crash
    return root


@pytest.fixture
def preset(tmp_path):
    path = tmp_path / "micro.json"
    path.write_text(json.dumps(MICRO))
    return str(path)


def test_train_export_and_resume(audio_dir, preset, tmp_path):
    run = tmp_path / "run"
    model_dir = train_codec(audio_dir, run, preset=preset, progress=False)
    assert (run / "checkpoints" / "last.ckpt").exists()
    assert codec.checkpoint.info(model_dir)["steps"] == 4
    model = codec.load(model_dir)
    assert model.config.width == 8
    assert list(run.glob("logs/*/metrics.csv"))
    # Resume continues the step count instead of starting over.
    train_codec(audio_dir, run, preset=preset, train_overrides={"max_steps": 6}, resume=True, progress=False)
    assert codec.checkpoint.info(model_dir)["steps"] == 6
    # Fine-tune from a pretrained codec.
    train_codec(audio_dir, tmp_path / "ft", preset=preset, init=str(model_dir), progress=False)


def _cli(*args):
    return [sys.executable, "-m", "sonido", "codec", "train", *args]


def test_ddp_two_processes_on_cpu(audio_dir, preset, tmp_path):
    run = tmp_path / "ddp"
    proc = subprocess.run(
        _cli("--preset", preset, "--data", str(audio_dir), "--out", str(run), "--devices", "2",
             "--strategy", "ddp", "--accelerator", "cpu", "--max-steps", "2"),
        capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "distributed_backend=gloo" in proc.stderr or "gloo" in proc.stderr + proc.stdout
    assert codec.checkpoint.info(run / "model")["steps"] == 2


@pytest.mark.slow
def test_two_nodes_on_one_machine(audio_dir, preset, tmp_path):
    """--num-nodes: two processes that each play one node (NODE_RANK 0 and 1, one device each)
    join one process group through MASTER_ADDR/MASTER_PORT, as the same command on two
    machines would."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = tmp_path / "nodes"
    args = _cli("--preset", preset, "--data", str(audio_dir), "--out", str(run), "--devices", "1", "--num-nodes", "2",
                "--strategy", "ddp", "--accelerator", "cpu", "--max-steps", "2")  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    procs = [subprocess.Popen(args, env={**env, "NODE_RANK": str(rank)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for rank in (0, 1)]  # fmt: skip
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs[0][1][-3000:] + outs[1][1][-3000:]
    assert "Starting with 2 processes" in outs[0][1] + outs[0][0], outs[0][1][-2000:]  # Lightning's rank-zero banner
    assert codec.checkpoint.info(run / "model")["steps"] == 2


@pytest.mark.slow
def test_sigkill_then_resume_loses_at_most_one_interval(audio_dir, tmp_path):
    spec = json.loads(json.dumps(MICRO))
    spec["train"].update(max_steps=400, checkpoint_every=20, val_every=50)
    preset = tmp_path / "long.json"
    preset.write_text(json.dumps(spec))
    run = tmp_path / "run"
    proc = subprocess.Popen(_cli("--preset", str(preset), "--data", str(audio_dir), "--out", str(run)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 240
    while time.time() < deadline and not list((run / "checkpoints").glob("step=4*.ckpt")):
        time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = codec.checkpoint.info(run / "model")["steps"]
    assert killed_at >= 40
    assert not list((run / "checkpoints").glob(".*tmp*"))  # no half-written checkpoint left visible
    done = subprocess.run(_cli("--preset", str(preset), "--data", str(audio_dir), "--out", str(run), "--resume",
                               "--max-steps", str(killed_at + 20)), capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert codec.checkpoint.info(run / "model")["steps"] == killed_at + 20
