"""The pretrained weights in the repository load by name and work offline."""

import pytest
import torch

import sonido
from sonido import codec
from sonido.checkpoint import SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_codec_loads_and_round_trips(name):
    model = codec.load(name)
    assert model.config.quantizer == "stochastic" and model.sample_rate == 22050
    info = codec.checkpoint.info(name)
    assert info["steps"] > 100 and "corpus-small" in info["data"]
    t = torch.arange(22050) / 22050
    x = (0.3 * torch.sin(2 * torch.pi * 220 * t))[None, None]
    y = model.decode(model.encode(x))[..., : x.shape[-1]]
    # A trained codec keeps a pure tone's energy at the right place in the spectrum.
    spec = torch.fft.rfft(y[0, 0]).abs()
    assert abs(int(spec.argmax()) - 220) <= 3


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_extracts_features(name):
    model = sonido.load_model(name)
    assert set(model.priors) == {"top", "mid"}
    feats = model.extract(torch.randn(1, 22050) * 0.1, 22050)
    assert feats["top"].data.shape[1] == 173 and feats["mid"].data.shape[1] == 4 * 173
    assert torch.isfinite(feats["mid"].data).all()


def test_random_controls_have_their_models_architecture():
    import sonido

    for control, shipped in (("small-random", "sonido-small"), ("tiny-random", "sonido-tiny")):
        a, b = sonido.load_model(control), sonido.load_model(shipped)
        assert a.codec.config == b.codec.config
        assert {lv: p.config for lv, p in a.priors.items()} == {lv: p.config for lv, p in b.priors.items()}
        assert a.fingerprint() != b.fingerprint()
