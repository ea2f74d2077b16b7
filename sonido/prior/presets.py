"""Prior presets as data: ``sonido/configs/prior/<name>.json`` with one model section per
level (``top``, ``mid``, ``bottom``) and a ``train`` section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRESET_DIR = Path(__file__).resolve().parent.parent / "configs" / "prior"


def load_prior_preset(name: str) -> dict[str, Any]:
    """A prior preset by name or path to a JSON file."""
    path = Path(name) if name.endswith(".json") else PRESET_DIR / f"{name}.json"
    if not path.exists():
        raise ValueError(f"unknown prior preset {name!r}; known: {sorted(p.stem for p in PRESET_DIR.glob('*.json'))}")
    return json.loads(path.read_text())
