"""Token files of any length: written piece by piece, read memory-mapped.

The format is the ``.npz`` of :meth:`Tokens.save` (an uncompressed zip of one ``.npy``
per level, int16 codes ``[B, frames]``, plus scalar metadata), so :meth:`Tokens.load`
and numpy read it too. :class:`TokenWriter` appends each level's codes to a temporary
raw file and assembles the zip at :meth:`TokenWriter.commit` (copying in blocks, then an
atomic rename); :class:`TokenFile` maps each level's array straight from the zip (stored
members are contiguous), so decoding hours of tokens never loads them.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from sonido.codec.tokenizer import LEVELS, Tokens
from sonido.fileio import PartFiles, atomic_writer


class TokenWriter:
    """Appends :class:`Tokens` pieces (batch 1 or more) and writes one ``.npz`` at :meth:`commit`."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._parts = PartFiles(self.path)
        self._count = dict.fromkeys(LEVELS, 0)
        self._batch: int | None = None

    def add(self, tokens: Tokens) -> None:
        for lv in LEVELS:
            codes = tokens[lv]
            self._batch = codes.shape[0] if self._batch is None else self._batch
            if codes.numel() and (codes.min() < 0 or codes.max() >= 2**15):
                raise ValueError(f"{lv} codes outside int16: this format stores codebooks below 32768 entries")
            # time-major on disk, so pieces append: [frames, B] row-major is [B, frames] in Fortran order
            self._parts.append(lv, np.ascontiguousarray(codes.cpu().numpy().astype("<i2").T).tobytes())
            self._count[lv] += codes.shape[-1]

    @property
    def frames(self) -> dict[str, int]:
        return dict(self._count)

    def commit(self, **meta: str | int | float) -> Path:
        """Write the ``.npz`` atomically with ``meta`` scalars; removes the temporary files."""
        batch = self._batch or 1
        try:
            with atomic_writer(self.path) as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                for lv in LEVELS:
                    with zf.open(f"{lv}.npy", "w", force_zip64=True) as member:
                        header = {"descr": "<i2", "fortran_order": batch > 1, "shape": (batch, self._count[lv])}
                        np.lib.format.write_array_header_1_0(member, header)
                        if lv in self._parts:
                            self._parts.copy_into(lv, member)
                for key, value in meta.items():
                    with zf.open(f"{key}.npy", "w") as member:
                        np.lib.format.write_array(member, np.asarray(value))
        finally:
            self.discard()
        return self.path

    def discard(self) -> None:
        """Remove the temporary files (an interrupted encode leaves nothing)."""
        self._parts.discard()


class TokenFile:
    """A token ``.npz`` opened without loading it: ``file["top"]`` is a read-only
    ``np.memmap`` ``[B, frames]``; ``file.meta`` the scalar metadata."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.arrays: dict[str, np.ndarray] = {}
        self.meta: dict[str, object] = {}
        try:
            with zipfile.ZipFile(self.path) as zf, open(self.path, "rb") as raw:
                for info in zf.infolist():
                    name = info.filename.removesuffix(".npy")
                    if name in LEVELS:
                        self.arrays[name] = self._map(zf, info, raw)
                    else:
                        with zf.open(info) as member:
                            self.meta[name] = np.lib.format.read_array(member).item()
        except (zipfile.BadZipFile, ValueError, OSError) as err:
            raise ValueError(f"{self.path}: not a token file ({err})") from None
        missing = [lv for lv in LEVELS if lv not in self.arrays]
        if missing:
            raise ValueError(f"{self.path}: not a token file (missing levels {missing})")

    def _map(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw) -> np.ndarray:
        if info.compress_type != zipfile.ZIP_STORED:  # a compressed npz (savez_compressed): read it whole
            with zf.open(info) as member:
                return np.lib.format.read_array(member)
        raw.seek(info.header_offset)
        local = raw.read(30)
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        raw.seek(start)
        major, _ = np.lib.format.read_magic(raw)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(raw)
        return np.memmap(self.path, dtype=dtype, mode="r", offset=raw.tell(), shape=shape, order="F" if fortran else "C")

    def __getitem__(self, level: str) -> np.ndarray:
        return self.arrays[level]

    def tokens(self) -> Tokens:
        """Everything in memory, as :meth:`Tokens.load` gives it."""
        return Tokens(**{lv: torch.from_numpy(np.array(self.arrays[lv], dtype=np.int64)) for lv in LEVELS})
