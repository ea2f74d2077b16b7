import pytest
import torch

from sonido.tasks.separation.umx import OpenUnmix, Spectrogram, UMXSeparator, UMXSize


@pytest.mark.parametrize("length", [1000, 4097, 22050])
def test_separator_shapes_for_odd_lengths(length):
    torch.manual_seed(0)
    sep = UMXSeparator(("bass", "drums", "lead", "other"), UMXSize.named("tiny")).eval()
    mix = torch.randn(2, 2, length) * 0.1
    with torch.no_grad():
        out = sep(mix)
    assert out.shape == (2, 4, *mix.shape[1:]) and torch.isfinite(out).all()


def test_wiener_filter_recovers_spatially_distinct_sources():
    """Two sources panned hard left and right, with magnitudes known: the EM step keeps each
    in its own channel, so the estimates add up to the mixture (up to the regularisation of
near-silent bins) and match the sources."""
    from sonido.tasks.separation.wiener import wiener

    s = Spectrogram(512, 128)
    a, b = torch.zeros(1, 2, 8000), torch.zeros(1, 2, 8000)
    a[:, 0], b[:, 1] = torch.randn(8000), torch.randn(8000)
    sa, sb, mix = s(a), s(b), s(a + b)
    est = wiener(torch.stack([sa.abs(), sb.abs()], 1), mix, iterations=1)
    assert (est.sum(1) - mix).abs().pow(2).sum() / mix.abs().pow(2).sum() < 1e-4  # conservative: sums to the mix
    err = (s.inverse(est[:, 0], 8000) - a).pow(2).mean() / a.pow(2).mean()
    assert err < 1e-3
    plain = wiener(torch.stack([sa.abs(), sb.abs()], 1), mix, iterations=0)
    torch.testing.assert_close(plain[:, 0].abs(), sa.abs())


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
