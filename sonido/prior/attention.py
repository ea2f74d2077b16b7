"""Factorized sparse attention (Child et al. 2019, as used by Jukebox), on SDPA.

A sequence of ``n`` positions is viewed as ``n / L`` blocks of ``L`` (Jukebox: 8192 =
128 blocks × 64). Each layer uses one pattern; layers cycle through them:

- ``dense``: ordinary causal attention (for short contexts, and the reference).
- ``row``: causal attention inside the current block.
- ``column``: the same offset in this and every earlier block.
- ``prev_row``: the whole previous block, plus the current block causally (Jukebox's
  previous-block pattern, with the current block added so that block 0 is never empty).

Every pattern is computed with ``torch.nn.functional.scaled_dot_product_attention`` on
reshaped blocks, never with an ``n × n`` mask, so memory grows as ``n·L`` (row,
prev_row) or ``n·n/L`` (column): about ``n·√n`` for ``L ≈ √n``. :func:`pattern_mask`
gives the equivalent dense mask, used by the tests and by one-step cached decoding.

Shapes: ``q, k, v`` are ``[B, H, n, d]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PATTERNS = ("dense", "row", "column", "prev_row")


def pattern_mask(pattern: str, n: int, block: int, device=None, start: int = 0) -> torch.Tensor:
    """The boolean mask (``True`` = may attend) equivalent to ``pattern``: rows for
    queries ``start .. n-1`` over keys ``0 .. n-1``, i.e. ``[n - start, n]`` (``[n, n]``
    by default; one row when decoding one step with a cache)."""
    i = torch.arange(start, n, device=device)[:, None]
    j = torch.arange(n, device=device)[None, :]
    causal = j <= i
    if pattern == "dense":
        return causal
    bi, bj = i // block, j // block
    if pattern == "row":
        return causal & (bi == bj)
    if pattern == "column":
        return causal & (i % block == j % block)
    if pattern == "prev_row":
        return (causal & (bi == bj)) | (bj == bi - 1)
    raise ValueError(f"unknown attention pattern {pattern!r}; choose from {PATTERNS}")


def _pad(x: torch.Tensor, block: int) -> torch.Tensor:
    return F.pad(x, (0, 0, 0, -x.shape[-2] % block))


def _previous_block(x: torch.Tensor) -> torch.Tensor:
    """``[B, H, nb, L, d]``: block ``b`` holds block ``b-1`` (zeros for block 0)."""
    return F.pad(x, (0, 0, 0, 0, 1, 0))[:, :, :-1]


def sparse_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pattern: str, block: int) -> torch.Tensor:
    """Attention of ``q`` over ``k, v`` (all ``[B, H, n, d]``) under ``pattern``; returns ``[B, H, n, d]``.

    Positions past ``n`` (padding up to a whole block) come after every real position,
    so causality keeps them out of the real outputs.
    """
    n = q.shape[-2]
    if pattern == "dense" or n <= block and pattern != "column":
        # One block: row and prev_row are plain causal attention.
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    q, k, v = (_pad(t, block) for t in (q, k, v))
    b, h, m, d = q.shape
    nb = m // block
    qb, kb, vb = (t.reshape(b, h, nb, block, d) for t in (q, k, v))  # (B, H, nb, L, d)
    if pattern == "row":
        out = F.scaled_dot_product_attention(qb, kb, vb, is_causal=True)
    elif pattern == "column":
        # (B, H, L, nb, d): each offset attends causally across blocks.
        out = F.scaled_dot_product_attention(
            qb.transpose(2, 3), kb.transpose(2, 3), vb.transpose(2, 3), is_causal=True
        ).transpose(2, 3)
    elif pattern == "prev_row":
        k2, v2 = torch.cat([_previous_block(kb), kb], dim=3), torch.cat([_previous_block(vb), vb], dim=3)  # (B, H, nb, 2L, d)
        r = torch.arange(block, device=q.device)
        local = torch.cat([torch.ones(block, block, dtype=torch.bool, device=q.device), r[None, :] <= r[:, None]], 1)
        mask = local.expand(nb, block, 2 * block).clone()
        mask[0, :, :block] = False  # block 0 has no previous block
        out = F.scaled_dot_product_attention(qb, k2, v2, attn_mask=mask)
    else:
        raise ValueError(f"unknown attention pattern {pattern!r}; choose from {PATTERNS}")
    return out.reshape(b, h, m, d)[:, :, :n]


def reference_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pattern: str, block: int) -> torch.Tensor:
    """Dense attention with :func:`pattern_mask`: slow, memory ``n²``, for tests."""
    mask = pattern_mask(pattern, q.shape[-2], block, q.device)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
