"""The Telegram Bot API spec (``tg_api.json``), loaded lazily.

The sandbox checks every call against it so that our bot never relies on a
parameter or method that real Telegram does not know: Telegram silently ignores
unknown parameters, which would hide bugs in production.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).with_name("tg_api.json")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a Bot API method."""

    name: str
    types: tuple[object, ...]
    optional: bool

    @property
    def is_plain_string(self) -> bool:
        """True if the value is a plain string, so a form field must not be JSON-decoded."""
        return self.types == ("str",)


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its canonical name and parameters."""

    name: str
    params: dict[str, ParamSpec]

    @property
    def required(self) -> list[str]:
        """Names of parameters Telegram requires, in spec order."""
        return [p.name for p in self.params.values() if not p.optional]


def _freeze(value: object) -> object:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@cache
def load_methods() -> dict[str, MethodSpec]:
    """All methods keyed by lower-case name (Telegram method names are case-insensitive)."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for m in raw["methods"]:
        params = {
            p["name"]: ParamSpec(p["name"], tuple(_freeze(t) for t in p["type"]), p["optional"])
            for p in m.get("params", [])
        }
        methods[m["name"].lower()] = MethodSpec(m["name"], params)
    return methods


def method_spec(name: str) -> MethodSpec | None:
    """The spec of ``name`` (any case), or None if Telegram has no such method."""
    return load_methods().get(name.lower())
