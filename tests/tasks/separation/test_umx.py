import pytest
import torch

from sonido.tasks.separation.umx import OpenUnmix, Spectrogram, UMXSeparator, UMXSize


@pytest.mark.parametrize("length", [1000, 4097, 22050])
def test_separator_shapes_and_estimates_sum_to_the_mix(length):
    torch.manual_seed(0)
    sep = UMXSeparator(("bass", "drums", "lead", "other"), UMXSize.named("tiny")).eval()
    mix = torch.randn(2, 2, length) * 0.1
    with torch.no_grad():
        out = sep(mix)
    assert set(out) == {"bass", "drums", "lead", "other"} and all(v.shape == mix.shape for v in out.values())
    torch.testing.assert_close(sum(out.values()), mix, atol=1e-4, rtol=1e-3)


def test_stft_round_trip_is_exact():
    s = Spectrogram(1024, 256)
    x = torch.randn(1, 2, 5000)
    torch.testing.assert_close(s.inverse(s(x), 5000), x, atol=1e-5, rtol=1e-4)


def test_closed_gate_equals_the_baseline_path():
    torch.manual_seed(0)
    base = OpenUnmix(513, 2, hidden=32, layers=1).eval()
    boosted = OpenUnmix(513, 2, hidden=32, layers=1, feature_dims={"top": 16, "mid": 8}).eval()
    boosted.load_state_dict(base.state_dict(), strict=False)
    with torch.no_grad():
        boosted.fusion.gate.fill_(-1e4)  # sigmoid = 0: the features are shut out
        mag = torch.rand(2, 2, 513, 40)
        feats = {"top": torch.randn(2, 10, 16), "mid": torch.randn(2, 40, 8)}
        torch.testing.assert_close(boosted(mag, feats), base(mag))
        boosted.fusion.gate.fill_(2.0)
        assert not torch.allclose(boosted(mag, feats), base(mag))


def test_published_size_is_open_unmix_umxhq():
    size = UMXSize.named("published")
    model = OpenUnmix(size.bins, 2, size.hidden, size.layers, size.max_bin)
    assert (size.n_fft, size.hop, size.hidden) == (4096, 1024, 512)
    assert 8.0e6 < sum(p.numel() for p in model.parameters()) < 9.5e6  # umxhq: about 8.9 M per target
