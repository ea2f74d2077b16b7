import pytest
import torch

from sonido.prior.attention import PATTERNS, pattern_mask, reference_attention, sparse_attention


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("n,block", [(64, 8), (61, 8), (8, 8), (5, 8), (100, 16)])
def test_sparse_equals_dense_reference(pattern, n, block):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, n, 4) for _ in range(3))
    torch.testing.assert_close(sparse_attention(q, k, v, pattern, block), reference_attention(q, k, v, pattern, block))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_causal_no_gradient_from_the_future(pattern):
    torch.manual_seed(0)
    n, t = 48, 29
    q, k, v = (torch.randn(1, 2, n, 4, requires_grad=True) for _ in range(3))
    sparse_attention(q, k, v, pattern, 8)[:, :, t].sum().backward()
    for x in (q, k, v):
        assert x.grad[:, :, t + 1 :].abs().max() == 0


def test_masks_have_the_expected_shape():
    m = pattern_mask("row", 8, 4)
    assert m[5].tolist() == [False, False, False, False, True, True, False, False]
    m = pattern_mask("column", 8, 4)
    assert m[6].tolist() == [False, False, True, False, False, False, True, False]
    m = pattern_mask("prev_row", 12, 4)
    assert m[9].tolist() == [False] * 4 + [True] * 4 + [True, True, False, False]
    # Every query sees at least itself: no all-masked row.
    for p in PATTERNS:
        assert pattern_mask(p, 37, 6).diagonal().all()
    with pytest.raises(ValueError):
        pattern_mask("diagonal", 4, 2)
