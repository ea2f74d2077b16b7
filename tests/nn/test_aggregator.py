import pytest
import torch

from sonido.nn.aggregator import AttentionAggregator, token_out
from sonido.nn.shortchunk import ShortChunkCNN


def test_token_out_drops_the_expected_share():
    g = torch.Generator().manual_seed(0)
    keep = token_out(1000, 64, 0.3, generator=g)
    assert keep.shape == (64, 1000)
    assert 1 - keep.float().mean().item() == pytest.approx(0.3, abs=0.01)
    assert token_out(10, 5, 0.0).all()
    sparse = token_out(1, 200, 0.9, generator=g)  # one frame per row: always kept
    assert sparse.all()
    with pytest.raises(ValueError, match="rate"):
        token_out(10, 2, 1.0)


def test_aggregator_ignores_dropped_frames_and_masks():
    torch.manual_seed(0)
    agg = AttentionAggregator(16, heads=2, token_out=0.5).eval()
    x = torch.randn(3, 20, 16)
    keep = torch.ones(3, 20, dtype=torch.bool)
    keep[:, 10:] = False
    y = agg(x, keep)
    x2 = x.clone()
    x2[:, 10:] = 100.0  # masked frames change nothing
    assert torch.allclose(agg(x2, keep), y, atol=1e-5)
    assert agg(x).shape == (3, 16)
    agg.train()
    assert torch.isfinite(agg(x)).all()  # token-out in training mode


def test_short_chunk_cnn_shapes():
    cnn = ShortChunkCNN(n_mels=128, embed_dim=32)
    assert cnn(torch.randn(4, 128, 128)).shape == (4, 32)
    assert cnn(torch.randn(2, 128, 87)).shape == (2, 32)  # shorter than a chunk
