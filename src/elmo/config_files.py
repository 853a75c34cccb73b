"""Config files: TOML read into typed, frozen dataclasses, with "did you mean" errors.

Used by pretraining configs (``elmo train``), task configs (``elmo task train``), the model
recipes (``elmo build-model``) and the options layout of :mod:`elmo.config`. A section becomes a
dataclass by :func:`parse_section`, which checks every key's name (unknown keys get the closest
known one as a hint) and type (``int`` where a ``float`` is wanted is accepted).
"""
from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any

import tomllib

from elmo.errors import ConfigError


def read_toml(path: str | Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A TOML config file as a dict, with ``overrides`` ("section.key" -> value) applied.

    Raises:
        ConfigError: a missing file, or a file that is not valid UTF-8 TOML.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return apply_overrides(raw, overrides)


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``raw`` with each ``"section.key"`` of ``overrides`` set to its value (in place)."""
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        raw.setdefault(section, {})[key] = value
    return raw


def find_config(name: str | Path, packaged: Path) -> Path:
    """A config file by path, or a packaged recipe by name (``<packaged>/<name>.toml``)."""
    path = Path(name)
    if path.is_file() or path.suffix == ".toml":
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path
    recipe = packaged / f"{name}.toml"
    if recipe.is_file():
        return recipe
    raise ConfigError(f"no config file or packaged recipe named {str(name)!r}; recipes: "
                      f"{', '.join(recipe_names(packaged))}")


def recipe_names(packaged: Path) -> list[str]:
    """Names of the recipes in a folder of packaged ``.toml`` files."""
    return sorted(p.stem for p in packaged.glob("*.toml"))


def parse_overrides(items: tuple[str, ...]) -> dict[str, Any]:
    """``("training.seed=2", 'elmo.mix="top"')`` -> {"training.seed": 2, "elmo.mix": "top"}."""
    overrides = {}
    for item in items:
        key, equals, text = item.partition("=")
        if not equals or "." not in key:
            raise ConfigError(f"--set expects section.key=value, found {item!r}")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text  # a bare word is a string
        overrides[key.strip()] = value
    return overrides


def reject_unknown(section: dict, known: tuple[str, ...], source: str) -> None:
    """ConfigError naming the first key of ``section`` not in ``known``, with the closest match."""
    for key in section:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
            raise ConfigError(f"{source}: unknown key '{key}'{hint}")


def parse_section(cls, section: Any, source: str):
    """Build dataclass ``cls`` from a TOML table, checking names and types."""
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: expected a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    reject_unknown(section, tuple(fields), source)
    hints = typing.get_type_hints(cls)
    values = {}
    for name, f in fields.items():
        if name not in section:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{source}: missing '{name}'")
            continue
        values[name] = _typed(section[name], hints[name], f"{source}: '{name}'")
    try:
        return cls(**values)
    except ConfigError as error:  # a dataclass's own checks, named with the section
        raise ConfigError(f"{source}: {error}") from None


def _typed(value: Any, hint: Any, source: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return parse_section(hint, value, source)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _typed(value, next(a for a in args if a is not type(None)), source)
    if origin is tuple:
        if isinstance(value, str) and args[0] is str:
            value = [value]
        if not isinstance(value, (list, tuple)):  # tuple: a parsed config's own dict, read again
            raise ConfigError(f"{source} must be a list, found {value!r}")
        item_types = args[:-1] if args[-1] is Ellipsis else args
        if args[-1] is not Ellipsis and len(value) != len(args):
            raise ConfigError(f"{source} must have {len(args)} items, found {value!r}")
        return tuple(_typed(v, item_types[0] if args[-1] is Ellipsis else item_types[i], source)
                     for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source} must be a table, found {value!r}")
        return {_typed(k, args[0], source): _typed(v, args[1], source) for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{source} must be {hint.__name__}, found {value!r}")
    return value
