"""The package's layers: no module imports from a layer above its own."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "elmo"

# Lowest first; a module may import from its own layer and the layers below.
LAYERS = [
    {"errors", "files", "threads", "distributed", "config_files", "config", "text_input"},
    {"modules"},
    {"heads", "data"},
    {"interop"},
    {"embed", "evaluate"},
    {"train", "corpora"},
    {"tasks", "analysis", "recipes", "serve"},
    {"cli", "__init__"},
]
LAYER_OF = {package: index for index, packages in enumerate(LAYERS) for package in packages}


def _package(path: Path) -> str:
    """The top-level part of the package a file belongs to: ``modules``, ``config``, ..."""
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return parts[0]


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            names = ([f"elmo.{alias.name}" for alias in node.names] if node.module == "elmo"
                     else [node.module or ""])  # from elmo import corpora: the corpora package
        else:
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "elmo":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


SOURCES = sorted(p for p in SOURCE.rglob("*.py") if "models" not in p.relative_to(SOURCE).parts)


def test_every_package_has_a_layer():
    assert {_package(p) for p in SOURCES} <= set(LAYER_OF)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_imports_from_a_layer_above_its_own(path):
    own = LAYER_OF[_package(path)]
    above = {name for name in _imported_packages(path) - {_package(path)}
             if LAYER_OF.get(name, own) > own}
    assert not above, f"{path.relative_to(SOURCE)} imports {sorted(above)} from a higher layer"
