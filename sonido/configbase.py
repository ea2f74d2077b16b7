"""The one behaviour every frozen config dataclass shares: dict round trips that reject
unknown keys (a typo in a preset fails loudly instead of silently using a default)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, TypeVar

C = TypeVar("C", bound="ConfigBase")


class ConfigBase:
    """Mixin for ``@dataclass(frozen=True)`` configs."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[C], d: dict[str, Any]) -> C:
        unknown = set(d) - {f.name for f in fields(cls)}  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}")
        return cls(**d)
