"""Atomic file writes: a temp file in the same folder, then a rename.

Readers never see a half-written file, and an interrupted write leaves the previous
version (or nothing) in place. Audio goes through :func:`sonido.audio.save`, which
follows the same rule.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO


def default_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give (mkstemp's files are 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` (fsynced, renamed) when the block ends without
    error; on an error or interruption it is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, default_file_mode())
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_writer(path) as f:
        f.write(data)
    return Path(path)


class PartFiles:
    """Named temporary files next to ``target`` that data is appended to, later copied into
    the finished file; :meth:`discard` removes them (what an interrupted job leaves: nothing)."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, tuple[str, BinaryIO]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._files

    def keys(self) -> list[str]:
        return list(self._files)

    def append(self, key: str, data: bytes) -> None:
        if key not in self._files:
            fd, tmp = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.stem}.{key}.", suffix=".part")
            self._files[key] = (tmp, os.fdopen(fd, "wb"))
        self._files[key][1].write(data)

    def copy_into(self, key: str, out: BinaryIO) -> None:
        path, handle = self._files[key]
        handle.close()
        with open(path, "rb") as part:
            shutil.copyfileobj(part, out, 1 << 22)

    def discard(self) -> None:
        for path, handle in self._files.values():
            handle.close()
            if os.path.exists(path):
                os.unlink(path)
        self._files.clear()


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")
