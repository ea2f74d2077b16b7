import json
from dataclasses import replace

import pytest
import torch

from sonido.tasks.base import RunConfig
from sonido.tasks.tagging import Tagging, TaggingConfig, TaggingModel, chunk_starts

FAST = TaggingConfig(chunk_frames=32, samples_per_epoch=32, batch_size=8, max_epochs=2, patience=1)


def test_chunk_starts_cover_the_clip():
    assert chunk_starts(431, 128) == [0, 128, 256, 303]
    assert chunk_starts(256, 128) == [0, 128]
    assert chunk_starts(50, 128) == [0]


def test_a_training_step_reduces_the_loss():
    torch.manual_seed(0)
    model = TaggingModel(FAST, n_tags=4, feature_dims={"top": 16, "mid": 12})
    mel = torch.randn(8, 128, 32)
    feats = {"top": torch.randn(8, 32, 16), "mid": torch.randn(8, 32, 12)}
    y = (torch.rand(8, 4) > 0.5).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.eval()  # no dropout / token-out: the same loss function before and after the step
    before = torch.nn.functional.binary_cross_entropy_with_logits(model(mel, feats), y)
    model.train()
    for _ in range(5):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(mel, feats), y).backward()
        opt.step()
    model.eval()
    after = torch.nn.functional.binary_cross_entropy_with_logits(model(mel, feats), y)
    assert after < before


def test_model_branches():
    assert TaggingModel(FAST, 4, None)(torch.randn(2, 128, 32)).shape == (2, 4)
    only = TaggingModel(FAST, 4, {"top": 16}, use_cnn=False)
    assert only.cnn is None and only(torch.randn(2, 128, 32), {"top": torch.randn(2, 70, 16)}).shape == (2, 4)
    with pytest.raises(ValueError, match="needs features"):
        only(torch.randn(2, 128, 32))
    with pytest.raises(ValueError, match="branch"):
        TaggingModel(FAST, 4, None, use_cnn=False)


def test_fusion_is_a_config_field():
    gated = TaggingModel(replace(FAST, fusion="gated"), 4, {"top": 16})
    assert gated.fusion.mode == "gated" and gated.head[-1].in_features == gated.cnn.embed_dim
    assert gated(torch.randn(2, 128, 32), {"top": torch.randn(2, 70, 16)}).shape == (2, 4)
    concat = TaggingModel(FAST, 4, {"top": 16})
    assert concat.head[-1].in_features == concat.cnn.embed_dim + FAST.feature_dim
    with pytest.raises(ValueError, match="fusion"):
        TaggingModel(replace(FAST, fusion="sum"), 4, {"top": 16})


@pytest.mark.parametrize("variant", ["baseline", "boosted", "features_only", "control"])
def test_tagging_runs_every_variant(mini_corpus, feature_root, tmp_path, variant):
    task = Tagging(FAST)
    cfg = RunConfig(data=str(mini_corpus), features=str(feature_root), model="tiny-random", variant=variant,
                    fraction=0.5, seed=1, out=str(tmp_path / "run"), clip_seconds=2.0)  # fmt: skip
    (row,) = task.run_and_save(cfg)
    assert row.variant == variant and row.arch == ("attention-aggregator" if variant == "features_only" else "short-chunk-cnn")
    assert 0 <= row.metrics["roc_auc_macro"] <= 1 and 0 <= row.metrics["pr_auc_macro"] <= 1
    assert row.metrics["train_items"] == 8  # half of 16, stratified
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert saved["rows"][0]["metrics"] == row.metrics and saved["config"]["variant"] == variant
    if variant != "baseline":  # the cache was filled on demand, per model
        assert (feature_root / "tiny-random" / "pieces" / "folk-01" / "mix.json").exists()


def test_features_of_another_clip_length_are_refused(mini_corpus, feature_root, tmp_path):
    from sonido.data.datasets.base import DatasetError

    task = Tagging(FAST)
    Tagging(FAST).prepare(RunConfig(data=str(mini_corpus), features=str(feature_root), model="tiny-random",
                                    variant="boosted", clip_seconds=2.0))  # fmt: skip
    with pytest.raises(DatasetError, match="max_seconds"):
        task.prepare(RunConfig(data=str(mini_corpus), features=str(feature_root), model="tiny-random",
                               variant="boosted", clip_seconds=1.0))  # fmt: skip


def test_tagging_reads_magnatagatune(tmp_path):
    from tests.data import layouts

    layouts.mtat(tmp_path / "mtat", split_files=True)
    cfg = RunConfig(data=str(tmp_path / "mtat"), dataset="magnatagatune", out=str(tmp_path / "run"), clip_seconds=0.5)
    (row,) = Tagging(FAST).run(cfg)
    assert row.variant == "baseline" and 0 <= row.metrics["roc_auc_macro"] <= 1


def test_all_layers_are_mixed_and_marked(mini_corpus, feature_root, tmp_path):
    task = Tagging(FAST)
    base = RunConfig(data=str(mini_corpus), features=str(feature_root), model="tiny-random", fraction=0.5,
                     out=str(tmp_path / "runs"), clip_seconds=2.0, layers="all")  # fmt: skip
    results = task.sweep(base, tmp_path / "tagging.json", fractions=(0.5,), seeds=(0,), variants=("baseline", "boosted"))
    marks = {r.variant: r.inputs for r in results.rows}
    assert marks == {"baseline": "", "boosted": "all layers"}  # the baseline reads no features
    stacks = feature_root / "tiny-random@all-layers" / "pieces" / "folk-01" / "mix.json"
    assert json.loads(stacks.read_text())["levels"]["top"]["shape"][1] == 6  # every layer of tiny-random's top prior
    # the tapped-layer run of the same cell is not taken as done by the mixed one, and vice versa
    tapped = task.sweep(replace(base, layers="default"), tmp_path / "tagging.json", fractions=(0.5,), seeds=(0,),
                        variants=("boosted",))  # fmt: skip
    assert sorted(r.inputs for r in tapped.rows if r.variant == "boosted") == ["", "all layers"]
