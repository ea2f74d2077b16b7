import pytest
import torch

from sonido.tasks.separation.htdemucs import HTDemucsSeparator, HTDemucsSize

TARGETS = ("bass", "drums", "lead", "other")


@pytest.mark.parametrize("length", [4000, 22050 + 37])
def test_shapes_for_odd_lengths_with_and_without_features(length):
    torch.manual_seed(0)
    size = HTDemucsSize.named("tiny")
    mix = torch.randn(2, 2, length) * 0.1
    feats = {"top": torch.randn(2, 9, 16), "mid": torch.randn(2, 40, 12)}
    for model, f in ((HTDemucsSeparator(TARGETS, size), None), (HTDemucsSeparator(TARGETS, size, 2, {"top": 16, "mid": 12}), feats)):
        with torch.no_grad():
            out = model.eval()(mix, f)
        assert out.shape == (2, 4, 2, length) and torch.isfinite(out).all()


def test_features_reach_both_branches_and_the_baseline_is_the_package_model():
    from demucs.htdemucs import HTDemucs

    size = HTDemucsSize.named("tiny")
    base = HTDemucsSeparator(TARGETS, size)
    assert type(base.net) is HTDemucs and type(base.net.crosstransformer).__module__.startswith("demucs")
    torch.manual_seed(0)
    boosted = HTDemucsSeparator(TARGETS, size, 2, {"top": 16}).eval()
    mix = torch.randn(1, 2, 8192) * 0.1
    with torch.no_grad():
        a = boosted(mix, {"top": torch.zeros(1, 10, 16)})
        b = boosted(mix, {"top": torch.randn(1, 10, 16) * 3})
    assert not torch.allclose(a, b)
    loss = boosted.train().loss(mix, torch.zeros(1, 4, 2, 8192), {"top": torch.randn(1, 10, 16)})
    loss.backward()
    cross = boosted.net.crosstransformer
    assert all(cross.inject[b].proj["top"].weight.grad.abs().sum() > 0 for b in ("spec", "time"))
    assert cross.features is None  # cleared after each call


def test_sizes():
    assert HTDemucsSize.named("published").channels == 48
    with pytest.raises(ValueError, match="unknown HTDemucs size"):
        HTDemucsSize.named("huge")
