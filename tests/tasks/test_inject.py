import pytest
import torch

from sonido.features.types import LevelFeatures
from sonido.tasks.inject import FeatureInjector, Fusion, LayerMix, align, extraction_layers, feature_dims, frames_for


@pytest.mark.parametrize("src,dst", [(172, 43), (689, 43), (43, 172), (7, 7), (1, 5), (5, 1), (100, 33)])
def test_align_any_pairing(src, dst):
    x = torch.randn(2, src, 8)
    y = align(x, dst)
    assert y.shape == (2, dst, 8)
    assert torch.allclose(y.mean(), x.mean(), atol=0.5)


def test_align_pools_and_interpolates_correctly():
    x = torch.arange(8.0).reshape(1, 8, 1)
    assert align(x, 2)[0, :, 0].tolist() == [1.5, 5.5]  # mean of each half
    up = align(torch.tensor([[[0.0], [2.0]]]), 4)[0, :, 0]
    assert up.tolist() == pytest.approx([0.0, 0.5, 1.5, 2.0])  # linear, same time span


def test_align_edge_cases_are_clear_errors():
    with pytest.raises(ValueError, match="zero-length"):
        align(torch.zeros(1, 0, 4), 10)
    with pytest.raises(ValueError, match="positive number of frames"):
        align(torch.zeros(1, 5, 4), 0)
    with pytest.raises(ValueError, match=r"\[B, frames, D\]"):
        align(torch.zeros(5, 4), 3)
    with pytest.raises(ValueError, match="positive duration"):
        frames_for(0.0, 43.0)
    assert frames_for(10.0, 43.07) == 431


def test_injector_sums_levels_at_task_rate():
    inj = FeatureInjector({"top": 16, "mid": 12}, out_dim=8)
    feats = {"top": LevelFeatures(torch.randn(2, 40, 16), 172.3, (3,)), "mid": torch.randn(2, 160, 12)}
    assert inj(feats, frames=10).shape == (2, 10, 8)
    with pytest.raises(KeyError, match="missing feature levels"):
        inj({"top": torch.randn(2, 40, 16)}, frames=10)
    with pytest.raises(ValueError, match="width"):
        inj({"top": torch.randn(2, 40, 15), "mid": torch.randn(2, 160, 12)}, frames=10)
    with pytest.raises(ValueError, match="at least one"):
        FeatureInjector({}, 8)


@pytest.mark.parametrize("mode,width", [("concat", 14), ("add", 6), ("gated", 6)])
def test_fusion_modes(mode, width):
    fuse = Fusion(6, 8, mode)
    task, feats = torch.randn(2, 5, 6), torch.randn(2, 5, 8)
    out = fuse(task, feats)
    assert out.shape == (2, 5, width) and fuse.out_dim == width
    if mode == "gated":  # the gate starts mostly closed: the output stays near the task stream
        assert (out - task).abs().mean() < (fuse.proj(feats)).abs().mean() * 0.2
    with pytest.raises(ValueError, match="frame-aligned"):
        fuse(task, feats[:, :4])
    with pytest.raises(ValueError, match="unknown fusion"):
        Fusion(6, 8, "multiply")


def test_layer_stacks_are_aligned_per_layer():
    x = torch.randn(2, 40, 3, 4)  # [B, F, L, D]
    y = align(x, 10)
    assert y.shape == (2, 10, 3, 4)
    torch.testing.assert_close(y[:, :, 1], align(x[:, :, 1], 10))


def test_injector_mixes_the_stacked_levels():
    torch.manual_seed(0)
    inj = FeatureInjector({"top": (6, 16), "mid": 12}, out_dim=8)
    assert extraction_layers(inj) == "all" and extraction_layers(FeatureInjector({"top": 16}, 8)) is None
    stack, mid = torch.randn(2, 40, 6, 16), torch.randn(2, 160, 12)
    out = inj({"top": stack, "mid": mid}, frames=10)
    assert out.shape == (2, 10, 8)
    mean_fed = FeatureInjector({"top": 16, "mid": 12}, out_dim=8)
    mean_fed.load_state_dict({k: v for k, v in inj.state_dict().items() if not k.startswith("mix.")})
    torch.testing.assert_close(out, mean_fed({"top": stack.mean(2), "mid": mid}, frames=10))  # uniform at the start
    assert inj.layer_weights()["top"] == pytest.approx([1 / 6] * 6, abs=1e-4)
    with pytest.raises(ValueError, match="layer stacks"):
        inj({"top": stack.mean(2), "mid": mid}, frames=10)
    assert feature_dims({"top": stack, "mid": mid}) == {"top": (6, 16), "mid": 12}
    assert feature_dims({"top": stack[0], "mid": mid[0]}, batched=False) == {"top": (6, 16), "mid": 12}


def test_layer_mix_starts_uniform_and_is_a_convex_combination():
    mix = LayerMix(3)
    x = torch.randn(2, 5, 3, 4)  # [B, T, L, D]
    torch.testing.assert_close(mix(x), x.mean(2))
    with torch.no_grad():
        mix.logits.copy_(torch.tensor([0.0, 50.0, 0.0]))
    torch.testing.assert_close(mix(x), x[:, :, 1], atol=1e-6, rtol=0)
    assert mix.weights.sum().item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="3 layers"):
        mix(torch.randn(2, 4, 8))
