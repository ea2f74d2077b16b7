"""The one behaviour every frozen config dataclass shares: dict round trips that reject
unknown keys (a typo in a preset fails loudly instead of silently using a default), and
``key=value`` overrides typed by the fields (what ``sonido task NAME --set`` passes)."""

from __future__ import annotations

import json
import typing
from dataclasses import asdict, fields, replace
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

    def with_overrides(self: C, overrides: dict[str, Any]) -> C:
        """A copy with ``overrides`` applied; string values (from the command line) are
        converted to each field's type: numbers, ``true``/``false``, comma-separated tuples."""
        hints = typing.get_type_hints(type(self))
        unknown = set(overrides) - set(hints)
        if unknown:
            raise ValueError(f"unknown {type(self).__name__} keys: {sorted(unknown)}; known: {sorted(hints)}")
        return replace(self, **{k: _convert(k, v, hints[k]) for k, v in overrides.items()})  # type: ignore[type-var]


def _convert(key: str, value: Any, hint: Any) -> Any:
    if not isinstance(value, str):
        if typing.get_origin(hint) is tuple:
            return tuple(value) if isinstance(value, (list, tuple)) else (value,)
        return value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    try:
        if origin is tuple:
            return tuple(_convert(key, v.strip(), args[0]) for v in value.split(",") if v.strip())
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            if value.lower() in ("none", "null"):
                return None
            return _convert(key, value, next(a for a in args if a is not type(None)))
        if hint is bool:
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError("expected true or false")
            return value.lower() in ("true", "1")
        if hint in (int, float):
            return hint(value)
        if hint is str:
            return value
        return json.loads(value)
    except (ValueError, StopIteration, json.JSONDecodeError) as err:
        raise ValueError(f"cannot set {key}={value!r}: {err}") from None
