"""Where streamed features go: a running mean, or frames appended to disk.

Both take ``{level: [f, D]}`` pieces as :class:`~sonido.features.stream.FeatureStream`
produces them and hold memory independent of the audio's length.

:class:`FrameSink` appends each level's float32 frames to a raw temporary file next to
the target and, at :meth:`FrameSink.commit`, writes a safetensors file from them (the
8-byte header length, the JSON header, then the raw tensors, copied in blocks) and
renames it into place. safetensors is what every reader here memory-maps, so frames of
hours-long audio are never in memory at once, neither when written nor when read.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import torch

from sonido.fileio import PartFiles, atomic_write_bytes, atomic_writer


class MeanSink:
    """Running per-level mean over frames, written as ``{level: [D]}`` to ``target`` at :meth:`commit`."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self._sum: dict[str, torch.Tensor] = {}
        self._count: dict[str, int] = {}

    def add(self, frames: dict[str, torch.Tensor]) -> None:
        for lv, x in frames.items():
            s = x.double().sum(0)
            self._sum[lv] = s if lv not in self._sum else self._sum[lv] + s
            self._count[lv] = self._count.get(lv, 0) + x.shape[0]

    def shapes(self) -> dict[str, list[int]]:
        return {lv: list(s.shape) for lv, s in self._sum.items()}

    def commit(self) -> None:
        from safetensors.torch import save as st_save

        tensors = {lv: (s / max(1, self._count[lv])).float().contiguous() for lv, s in self._sum.items()}
        atomic_write_bytes(self.target, st_save(tensors))

    def discard(self) -> None:
        self._sum.clear()


class FrameSink:
    """Frames ``[f, D]`` (or ``[f, L, D]`` layer stacks) per level appended to temporary raw
    files, then one safetensors file.

    Args:
        target: the ``.safetensors`` file written at :meth:`commit`.
    """

    def __init__(self, target: Path):
        self.target = Path(target)
        self._parts = PartFiles(self.target)
        self._rows: dict[str, int] = {}
        self._dims: dict[str, tuple[int, ...]] = {}  # level -> shape of one frame

    def add(self, frames: dict[str, torch.Tensor]) -> None:
        for lv, x in frames.items():
            if lv not in self._dims:
                self._rows[lv], self._dims[lv] = 0, tuple(x.shape[1:])
            if tuple(x.shape[1:]) != self._dims[lv]:
                raise ValueError(f"{lv}: frames of shape {tuple(x.shape[1:])} after {self._dims[lv]}")
            self._parts.append(lv, np.ascontiguousarray(x.detach().cpu().float().numpy(), dtype="<f4").tobytes())
            self._rows[lv] += x.shape[0]

    def shapes(self) -> dict[str, list[int]]:
        return {lv: [self._rows[lv], *self._dims[lv]] for lv in self._dims}

    def commit(self) -> None:
        """Write the safetensors file atomically and remove the temporary files."""
        header, offset = {}, 0
        for lv, shape in sorted(self.shapes().items()):
            size = int(np.prod(shape)) * 4
            header[lv] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
            offset += size
        blob = json.dumps(header, separators=(",", ":")).encode()
        blob += b" " * (-len(blob) % 8)  # the format aligns the data to 8 bytes
        try:
            with atomic_writer(self.target) as out:
                out.write(struct.pack("<Q", len(blob)) + blob)
                for lv in sorted(self._dims):
                    if lv in self._parts:
                        self._parts.copy_into(lv, out)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary files (an interrupted or failed input leaves nothing)."""
        self._parts.discard()
