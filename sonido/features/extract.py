"""Running a prior over a long token sequence in windows to get its hidden states.

The prior's context is finite (``config.context`` tokens), so a long sequence is cut into
windows of ``context`` tokens that overlap by ``overlap``; each position's features come
from the window in which it has at least ``overlap`` tokens of left context (the first
positions of the sequence excepted). The Transformer is causal, so nothing to the right
of a position affects it. Memory is bounded by one window; the result is deterministic.
"""

from __future__ import annotations

import torch

from sonido.prior.prior import Prior


def prior_layers(
    prior: Prior, tokens: torch.Tensor, upper: torch.Tensor | None, layers: tuple[int, ...], overlap: int | None = None
) -> torch.Tensor:
    """Each tapped layer's hidden states for ``tokens [B, N]``: ``[len(layers), B, N, D]``.

    Args:
        prior: the level's prior.
        tokens: the level's tokens.
        upper: ``[B, N / ratio]`` tokens of the level above (conditioned priors), else ``None``.
        layers: layer indices to tap.
        overlap: left context given to every window after the first (default: a quarter
            of the context).
    """
    windows = PriorWindows(prior, layers, conditioned=upper is not None, overlap=overlap)
    parts = [h for h in (windows.push(tokens, upper), windows.finish()) if h is not None]
    return torch.cat(parts, dim=2)


class PriorWindows:
    """The windowing of :func:`prior_layers` over tokens that arrive in pieces.

    A window is run as soon as the tokens it needs have arrived and it is certain that the
    whole-sequence windowing would place it there too; the rest runs at :meth:`finish`.
    The result equals :func:`prior_layers` on the whole sequence, holding at most about
    one context of tokens.

    Args:
        prior: the level's prior.
        layers: layer indices to tap.
        conditioned: whether the prior reads the level above's tokens.
        overlap: left context of every window after the first (default: a quarter of the
            context).
        batch: windows that are ready together run as one batch of at most this many
            (torch spreads a batch over its threads far better than one window).
    """

    def __init__(self, prior: Prior, layers: tuple[int, ...], conditioned: bool, overlap: int | None = None,
                 batch: int = 4):  # fmt: skip
        self.prior, self.layers, self.batch = prior, tuple(layers), batch
        self.ctx = prior.config.context
        self.ratio = prior.config.upsample_ratio if conditioned else 1
        self.conditioned = conditioned
        self.overlap = self.ctx // 4 if overlap is None else overlap
        if not 0 <= self.overlap < self.ctx:
            raise ValueError(f"overlap must be in [0, {self.ctx}), got {self.overlap}")
        if batch < 1:
            raise ValueError(f"batch must be at least 1 window, got {batch}")
        self._tokens: torch.Tensor | None = None  # [B, n] from absolute position self._base on
        self._upper: torch.Tensor | None = None  # [B, n / ratio] from self._base / ratio on
        self._base = 0
        self._filled = 0  # positions whose features were returned

    @property
    def _end(self) -> int:
        return self._base + (0 if self._tokens is None else self._tokens.shape[-1])

    def push(self, tokens: torch.Tensor, upper: torch.Tensor | None = None) -> torch.Tensor | None:
        """Add ``tokens [B, n]`` (and the level above's ``[B, n / ratio]``); return the
        features ``[L, B, f, D]`` that became final, or ``None``."""
        if self.conditioned and upper is None:
            raise ValueError("this prior is conditioned on the level above: pass its tokens as upper")
        self._tokens = tokens if self._tokens is None else torch.cat([self._tokens, tokens], dim=-1)
        if self.conditioned:
            self._upper = upper if self._upper is None else torch.cat([self._upper, upper], dim=-1)
        out = []
        while True:
            spans = []
            while len(spans) < self.batch and self._end >= (0 if self._filled == 0 else self._filled - self.overlap) + self.ctx:
                spans.append(self._next_span(None))
            if not spans:
                return torch.cat(out, dim=2) if out else None
            out.append(self._run(spans))

    def finish(self) -> torch.Tensor | None:
        """Run the windows left once the sequence has ended."""
        out = []
        while self._filled < self._end:
            out.append(self._run([self._next_span(self._end)]))
        return torch.cat(out, dim=2) if out else None

    def _next_span(self, n: int | None) -> tuple[int, int, int]:
        """``(start, end, first)`` of the window after ``self._filled`` (``first``: its first
        position whose features it gives); ``n`` is the sequence length once known."""
        start = self._filled - self.overlap if n is None else min(self._filled - self.overlap, n - self.ctx)
        start = 0 if self._filled == 0 else max(0, start)
        start -= start % self.ratio  # keep the upper window aligned
        end = min(start + self.ctx, self._end)
        span = (start, end, self._filled)
        self._filled = end
        return span

    def _run(self, spans: list[tuple[int, int, int]]) -> torch.Tensor:
        """Windows of equal length as one batch ``[len(spans) * B, ctx]``; their new
        features ``[L, B, f, D]`` in order."""
        b = self._tokens.shape[0]
        tokens = torch.cat([self._tokens[:, s - self._base : e - self._base] for s, e, _ in spans])
        up = None
        if self.conditioned:
            ub = self._base // self.ratio
            up = torch.cat([self._upper[:, s // self.ratio - ub : -(-e // self.ratio) - ub] for s, e, _ in spans])
        hidden = self.prior(tokens, up, taps=self.layers, logits=False).hidden
        h = torch.stack([hidden[i] for i in self.layers])  # (L, len(spans) * B, ctx, D)
        h = torch.cat([h[:, i * b : (i + 1) * b, first - s :] for i, (s, _, first) in enumerate(spans)], dim=2)
        self._drop_before(max(0, self._filled - self.ctx))
        return h

    def _drop_before(self, position: int) -> None:
        """Forget tokens before ``position`` (no later window starts before it)."""
        position -= position % self.ratio
        cut = position - self._base
        if cut > 0:
            self._tokens = self._tokens[:, cut:]
            if self.conditioned:
                self._upper = self._upper[:, cut // self.ratio :]
            self._base = position
