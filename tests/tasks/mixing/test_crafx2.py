import pytest
import torch
import torch.nn.functional as F

from sonido.tasks.mixing.crafx2 import CRAFx2, CRAFx2Size, same_conv_adjoint


@pytest.mark.parametrize("length", [1, 1000, 22050 + 37])
def test_output_is_a_bounded_stereo_mix_at_any_length_with_and_without_features(length):
    size = CRAFx2Size.named("tiny")
    stems = torch.randn(2, size.max_stems, length) * 0.1
    for model, feats in ((CRAFx2(size), None), (CRAFx2(size, {"top": 16}), {"top": torch.randn(2, 7, 16)})):
        out = model(stems, feats)
        assert out.shape == (2, 2, length) and out.abs().max() < 1


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("kernel", [4, 5, 32])
def test_the_back_end_is_the_transpose_of_the_front_end(kernel):
    torch.manual_seed(0)
    weight, x, y = torch.randn(6, 4, kernel), torch.randn(2, 4, 50), torch.randn(2, 6, 50)
    lhs = (F.conv1d(x, weight, padding="same") * y).sum()
    rhs = (x * same_conv_adjoint(y, weight, 50)).sum()
    assert torch.allclose(lhs, rhs, rtol=1e-4)


def test_a_closed_gate_is_the_baseline_and_features_train_through_the_latent():
    torch.manual_seed(0)
    size = CRAFx2Size.named("tiny")
    baseline, boosted = CRAFx2(size).eval(), CRAFx2(size, {"top": 16}).eval()
    boosted.load_state_dict(baseline.state_dict(), strict=False)
    stems, feats = torch.randn(1, size.max_stems, 4096) * 0.1, {"top": torch.randn(1, 9, 16)}
    with torch.no_grad():
        boosted.fusion.gate.fill_(-1e4)
        assert torch.allclose(boosted(stems, feats), baseline(stems), atol=1e-6)
        boosted.fusion.gate.fill_(0.0)
        assert not torch.allclose(boosted(stems, feats), baseline(stems), atol=1e-4)
    boosted.train().loss(stems, torch.randn(1, 2, 4096) * 0.1, feats).backward()
    assert boosted.injector.proj["top"].weight.grad.abs().sum() > 0
    assert boosted.blocks[0].body[0].weight.grad.abs().sum() > 0  # the latent mixer is on the path (see the module doc)
