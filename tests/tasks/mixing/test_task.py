import numpy as np
import pytest
import soundfile as sf

from sonido.cli import main
from sonido.tasks import get_task
from sonido.tasks.base import RunConfig
from sonido.tasks.metrics import mixing_metrics
from sonido.tasks.mixing.task import reference_mixes

FAST = dict(max_epochs=2, steps_per_epoch=3, batch_size=4, chunk_seconds=0.5, patience=2)


def _run(task, root, tmp_path, **kw):
    return task.run_and_save(RunConfig(data=str(root), dataset="medleydb", clip_seconds=2.0, out=str(tmp_path / "run"), **kw))


def test_identical_mixes_score_zero_and_a_quieter_one_does_not():
    x = (np.random.default_rng(0).standard_normal((2, 22050)) * 0.1).astype(np.float32)
    same = mixing_metrics(x, x, 22050)
    assert all(v == pytest.approx(0.0, abs=1e-6) for v in same.values())
    quieter = mixing_metrics(0.5 * x, x, 22050)
    assert quieter["mape_loudness"] > 5 and quieter["stereo_spectral"] > 0.1
    assert mixing_metrics(x[::-1].copy(), x, 22050)["stereo_spectral"] == pytest.approx(0.0, abs=1e-6)  # channel swap


def test_silent_passages_do_not_decide_the_spectral_features():
    """A mix that is silent where the reference has a quiet tail differs only there: the
    spectral features are taken over sounding frames, so digital silence (flatness 1)
    cannot dominate their error."""
    noise = np.random.default_rng(0).standard_normal((2, 22050 * 2)) * 0.1
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(22050 * 2) / 22050)
    ref = np.stack([tone, tone]) + 0.01 * noise
    est = ref.copy()
    est[:, 22050:] = 0.0  # half the mix digitally silent
    ref[:, 22050:] *= 1e-4  # the reference only 80 dB down there: not sounding either
    metrics = mixing_metrics(est.astype(np.float32), ref.astype(np.float32), 22050)
    assert metrics["mape_spectral"] < 5.0
    louder = ref.copy()
    louder[:, 22050:] = noise[:, 22050:]  # a sounding noise passage is a spectral difference
    assert mixing_metrics(louder.astype(np.float32), ref.astype(np.float32), 22050)["mape_spectral"] > 20.0


def test_reference_mixes():
    import pyloudnorm
    import torch

    t = torch.arange(22050 * 2) / 22050
    stems = torch.stack([0.5 * torch.sin(2 * torch.pi * 220 * t), 0.01 * torch.sin(2 * torch.pi * 880 * t), torch.zeros_like(t)])
    refs = reference_mixes(stems, 22050, -23.0)
    np.testing.assert_allclose(refs["sum"][0], stems.sum(0).numpy(), atol=1e-6)
    assert pyloudnorm.Meter(22050).integrated_loudness(refs["equal-loudness"].T.astype(np.float64)) == pytest.approx(-23.0, abs=0.1)


def test_baseline_trains_saves_a_mixer_and_the_reference_rows(mixing_set, tmp_path):
    from sonido.tasks.mixing.predict import load_mixer

    task = get_task("mixing", **FAST)
    (row,) = _run(task, mixing_set, tmp_path)
    assert row.arch == "mixwaveunet-tiny" and {"stereo_spectral", "mrstft", "mape", "mape_panning"} <= set(row.metrics)
    assert load_mixer(tmp_path / "run" / "model").feature_model is None
    refs = _run(task, mixing_set, tmp_path, variant="reference")
    assert sorted(r.arch for r in refs) == ["equal-loudness", "sum"] and all(r.variant == "reference" for r in refs)


def test_boosted_reads_features_of_the_stem_downmix_not_of_the_mix(mixing_set, tmp_path):
    task = get_task("mixing", **{**FAST, "max_epochs": 1})
    (row,) = _run(task, mixing_set, tmp_path, variant="boosted", features=str(tmp_path / "f"), model="tiny-random")
    downmix = sorted((tmp_path / "f" / "downmix").glob("*.wav"))
    assert len(downmix) == 16 and row.variant == "boosted"
    assert any((tmp_path / "f" / "tiny-random").rglob("*.safetensors"))


def test_a_mixer_on_all_layers_trains_and_mixes_files(mixing_set, tmp_path):
    task = get_task("mixing", **{**FAST, "max_epochs": 1})
    (row,) = _run(task, mixing_set, tmp_path, variant="boosted", features=str(tmp_path / "f"), model="tiny-random",
                  layers="all")  # fmt: skip
    assert row.inputs == "all layers" and any((tmp_path / "f" / "tiny-random@all-layers").rglob("*.safetensors"))
    stems = tmp_path / "stems"
    stems.mkdir()
    sf.write(str(stems / "a.wav"), 0.1 * np.sin(2 * np.pi * 220 * np.arange(22050) / 22050), 22050)
    assert main(["mix", str(stems), "-m", str(tmp_path / "run" / "model"), "-o", str(tmp_path / "mix.wav")]) == 0


def test_mix_cli_on_a_folder_of_stems(mixing_set, tmp_path, capsys):
    task = get_task("mixing", **{**FAST, "max_epochs": 1})
    _run(task, mixing_set, tmp_path)
    stems = tmp_path / "stems"
    stems.mkdir()
    t = np.arange(30000) / 44100
    sf.write(str(stems / "a.wav"), 0.1 * np.sin(2 * np.pi * 220 * t), 44100)  # another rate
    sf.write(str(stems / "b.flac"), 0.1 * np.random.default_rng(0).standard_normal((11025, 2)), 22050)  # stereo, shorter
    assert main(["mix", str(stems), "-m", str(tmp_path / "run" / "model"), "-o", str(tmp_path / "mix.wav")]) == 0
    info = sf.info(str(tmp_path / "mix.wav"))
    assert (info.channels, info.samplerate, info.frames) == (2, 22050, 15000)
    (tmp_path / "empty").mkdir()
    assert main(["mix", str(tmp_path / "empty"), "-m", str(tmp_path / "run" / "model"), "-o", str(tmp_path / "x.wav")]) == 1
    assert "no audio files" in capsys.readouterr().err and not (tmp_path / "x.wav").exists()
    (stems / "c.wav").write_text("not audio")
    assert main(["mix", str(stems), "-m", str(tmp_path / "run" / "model"), "-o", str(tmp_path / "y.wav")]) == 1
    assert "c.wav" in capsys.readouterr().err


def test_shipped_mixer_mixes_a_folder_of_rendered_stems(tmp_path, rendered_part):
    """Two stems rendered with the corpus' soundfont renderer (a bass line, a flute melody) mixed
    by the shipped ``mixer-tiny``: a stereo file of the stems' length in which both stems are
    heard (the spectral loss it was trained on ignores polarity, so shares are taken in magnitude)."""
    (tmp_path / "stems").mkdir()
    stems = {"bass": rendered_part(33, [36, 38, 40, 41, 43, 41], step=0.6),
             "flute": rendered_part(73, [72, 74, 76, 77, 79, 77], step=0.6)}  # fmt: skip
    for name, stem in stems.items():
        sf.write(str(tmp_path / "stems" / f"{name}.wav"), stem, 22050)
    assert main(["mix", str(tmp_path / "stems"), "-m", "mixer-tiny", "-o", str(tmp_path / "mix.wav")]) == 0
    mix, rate = sf.read(str(tmp_path / "mix.wav"))
    assert mix.shape == (len(stems["bass"]), 2) and rate == 22050
    mono = mix.mean(1)
    assert abs(np.corrcoef(mono, sum(stems.values()))[0, 1]) > 0.5
    for name, stem in stems.items():
        assert abs(mono @ stem / (stem @ stem)) > 0.05, name
