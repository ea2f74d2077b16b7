import pytest
import torch

from sonido import codec
from sonido.codec.stream import WindowedEncoder, decode_windowed, encode_windowed


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = codec.HQVAE(codec.HQVAEConfig(width=8, depth=2, code_dim=4, codebook_sizes=(32, 32, 32)))
    m.train()(torch.randn(4, 1, 8192) * 0.1)  # initialise the codebooks from data
    return m.eval()


def test_windowed_encoding_equals_one_shot(model):
    torch.manual_seed(1)
    x = torch.randn(1, 1, 128 * 300 + 77) * 0.1
    whole = model.encode(x)
    for window, overlap in [(64, 32), (100, 40)]:
        win = encode_windowed(model, x, window=window, overlap=overlap)
        for lv in ("top", "mid", "bottom"):
            assert win[lv].shape == whole[lv].shape
            agree = (win[lv] == whole[lv]).float().mean().item()
            assert agree > 0.99, (lv, window, agree)


@pytest.mark.parametrize("length", [128 * 300 + 77, 128 * 64 * 3, 500])
def test_streamed_encoding_equals_windowed(model, length):
    torch.manual_seed(3)
    x = torch.randn(1, 1, length) * 0.1
    whole = encode_windowed(model, x, window=64, overlap=32, levels=("top", "mid"))
    encoder = WindowedEncoder(model, window=64, overlap=32, levels=("top", "mid"))
    parts, at = [], 0
    for size in (1000, 7, 128 * 64, 333, 12000, 10**6):  # any piece sizes
        t = encoder.push(x[..., at : at + size])
        parts += [t] if t is not None else []
        at += size
    parts.append(encoder.finish())
    for lv in ("top", "mid", "bottom"):
        torch.testing.assert_close(torch.cat([p[lv] for p in parts if p is not None], dim=-1), whole[lv])
    assert encoder._buffer.shape[-1] <= 64 * 128


def test_windowed_decoding_matches_one_shot(model):
    torch.manual_seed(2)
    tokens = model.encode(torch.randn(1, 1, 128 * 200) * 0.1)
    whole = model.decode(tokens)
    win = decode_windowed(model, tokens, window=64, overlap=32)
    assert win.shape == whole.shape
    # Away from the signal's end (where the last window is padded with code 0 and the
    # one-shot decode with zeros) the seams are invisible.
    inner = slice(0, 128 * 196)
    err = (win[..., inner] - whole[..., inner]).abs().max() / whole.abs().max()
    assert err < 1e-3


def test_bad_windows(model):
    with pytest.raises(ValueError):
        encode_windowed(model, torch.zeros(1, 1, 128 * 10), window=8, overlap=8)
    with pytest.raises(ValueError):
        decode_windowed(model, model.encode(torch.zeros(1, 1, 128 * 10)), window=8, overlap=3)


@pytest.mark.parametrize("levels", [("top",), ("top", "mid")])
def test_encoding_fewer_levels_gives_the_same_codes(model, levels):
    torch.manual_seed(0)
    x = 0.1 * torch.randn(1, 1, 128 * 300)
    full = encode_windowed(model, x, window=128, overlap=32)
    part = encode_windowed(model, x, window=128, overlap=32, levels=levels)
    for lv in ("top", "mid", "bottom"):
        if lv in levels:
            assert torch.equal(part[lv], full[lv])
        else:
            assert part[lv].shape == (1, 0)
    with pytest.raises(ValueError, match="levels must be"):
        model.encode(x, ("mid",))
