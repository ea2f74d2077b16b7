import pytest
import torch

from sonido.prior.transformer import KVCache, SparseTransformer


@pytest.fixture
def net():
    torch.manual_seed(0)
    return SparseTransformer(width=16, layers=4, heads=2, patterns=("row", "column", "prev_row"), block=4).eval()


def test_causality_by_gradient(net):
    x = torch.randn(1, 23, 16, requires_grad=True)
    y, _ = net(x)
    y[:, 11].sum().backward()
    assert x.grad[:, 12:].abs().max() == 0 and x.grad[:, :12].abs().sum() > 0


def test_cached_steps_equal_the_full_pass(net):
    x = torch.randn(2, 19, 16)
    full, _ = net(x)
    cache = KVCache.empty(4)
    steps = [net(x[:, t : t + 1], cache)[0] for t in range(19)]
    torch.testing.assert_close(torch.cat(steps, 1), full, atol=1e-5, rtol=1e-4)
    # A prompt fed in one call, then single steps, agrees too.
    cache = KVCache.empty(4)
    head, _ = net(x[:, :7], cache)
    tail = [net(x[:, t : t + 1], cache)[0] for t in range(7, 19)]
    torch.testing.assert_close(torch.cat([head, *tail], 1), full, atol=1e-5, rtol=1e-4)


def test_taps_and_early_stop(net):
    x = torch.randn(1, 8, 16)
    full, taps = net(x, taps=(1, 3))
    assert set(taps) == {1, 3} and torch.equal(taps[3], full)
    early, taps_early = net(x, taps=(1,), stop_after_taps=True)
    torch.testing.assert_close(taps_early[1], taps[1])
    torch.testing.assert_close(early, taps[1])
    with pytest.raises(ValueError, match="do not exist"):
        net(x, taps=(4,))
