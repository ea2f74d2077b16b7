import pytest
import torch

from sonido.tasks.mixing.task import stack_stems
from sonido.tasks.mixing.wave_unet import MixWaveUNet, WaveUNetSize


@pytest.mark.parametrize("length", [1, 1000, 22050 + 37])
def test_output_is_stereo_at_any_length_with_and_without_features(length):
    size = WaveUNetSize.named("tiny")
    stems = torch.randn(2, size.max_stems, length) * 0.1
    for model, feats in ((MixWaveUNet(size), None),
                         (MixWaveUNet(size, {"top": 16}), {"top": torch.randn(2, 7, 16)})):  # fmt: skip
        assert model(stems, feats).shape == (2, 2, length)


def test_any_number_of_stems_fits_the_input_channels():
    few = stack_stems([torch.ones(5), torch.ones(3)], 8)
    assert few.shape == (8, 5) and few[1, 3:].abs().sum() == 0 and few[2:].abs().sum() == 0
    many = stack_stems([torch.full((4,), float(i)) for i in range(10)], 8)
    assert many.shape == (8, 4) and torch.equal(many[7], torch.full((4,), 7.0 + 8 + 9))  # extras summed into the last
    with pytest.raises(ValueError, match="no stems"):
        stack_stems([], 8)


def test_features_reach_the_bottleneck_and_train():
    size = WaveUNetSize.named("tiny")
    model = MixWaveUNet(size, {"top": 16})
    stems = torch.randn(1, size.max_stems, 4096) * 0.1
    loss = model.loss(stems, torch.randn(1, 2, 4096) * 0.1, {"top": torch.randn(1, 9, 16)})
    loss.backward()
    assert model.injector.proj["top"].weight.grad.abs().sum() > 0
