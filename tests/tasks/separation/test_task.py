import pytest

from sonido.tasks import get_task
from sonido.tasks.base import RunConfig

FAST = dict(max_epochs=3, steps_per_epoch=4, batch_size=4, chunk_seconds=1.0, patience=3)


def _run(task, root, tmp_path, **kw):
    cfg = RunConfig(data=str(root), dataset="separation-set", clip_seconds=2.0, out=str(tmp_path / "run"), **kw)
    return task.run_and_save(cfg)


def test_umx_baseline_beats_an_untrained_model_and_saves_a_separator(separation_set, tmp_path):
    from sonido.tasks.separation.predict import load_separator

    (untrained,) = _run(get_task("separation", **{**FAST, "max_epochs": 1, "steps_per_epoch": 1, "lr": 1e-9}),
                        separation_set, tmp_path / "u")  # fmt: skip
    (row,) = _run(get_task("separation", lr=3e-3, **{**FAST, "max_epochs": 6}), separation_set, tmp_path)
    assert row.arch == "umx-tiny" and row.variant == "baseline" and row.metrics["train_items"] == 24
    assert {"sdr", "si_sdr", "sdr_bass", "si_sdr_lead"} <= set(row.metrics)
    assert row.metrics["sdr"] > untrained.metrics["sdr"] + 1.0
    sep = load_separator(tmp_path / "run" / "model")
    assert sep.targets == ("bass", "drums", "lead", "other") and sep.channels == 2 and sep.feature_model is None


def test_oracle_ceiling_computed_once_and_the_mixture_floor(separation_set, tmp_path):
    task = get_task("separation")
    (a,) = _run(task, separation_set, tmp_path, variant="oracle")
    (b,) = _run(task, separation_set, tmp_path, variant="oracle", fraction=0.5, seed=2)
    assert a.arch == "oracle-irm2" and a.metrics == b.metrics and a.metrics["sdr"] > 15
    (floor,) = _run(task, separation_set, tmp_path, variant="reference")
    assert floor.arch == "mixture" and floor.metrics["sdr"] < a.metrics["sdr"] - 10


def test_boosted_htdemucs_reads_cached_features_of_the_mixtures(separation_set, tmp_path):
    task = get_task("separation", arch="htdemucs", **{**FAST, "max_epochs": 1})
    (row,) = _run(task, separation_set, tmp_path, variant="boosted", features=str(tmp_path / "f"), model="tiny-random",
                  fraction=0.5)  # fmt: skip
    assert row.arch == "htdemucs-tiny" and row.metrics["train_items"] == 12
    assert any((tmp_path / "f").rglob("mixture.safetensors"))


def test_bad_config_and_variant_are_refused(separation_set, tmp_path):
    with pytest.raises(ValueError, match="arch must be one of"):
        get_task("separation", arch="wavenet")
    with pytest.raises(ValueError, match="no 'features_only' variant"):
        _run(get_task("separation"), separation_set, tmp_path, variant="features_only", features=str(tmp_path / "f"))


def test_oracle_mask_reconstructs_the_sources():
    import torch

    from sonido.tasks.separation.task import oracle_irm

    t = torch.arange(22050) / 22050
    src = torch.stack([torch.sin(2 * torch.pi * 110 * t), torch.sin(2 * torch.pi * 3000 * t)])[:, None].repeat(1, 2, 1)
    est = oracle_irm(src.sum(0), src, 1024, 256)
    assert est.shape == src.shape and torch.allclose(est[..., 2048:-2048], src[..., 2048:-2048], atol=0.02)
