"""Finding a model's files from a bundled name, a folder, or explicit options and weight files."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from elmo.errors import ModelFileError
from elmo.interop.bilm_tf import load_bilm
from elmo.interop.native import is_native_folder, load_native
from elmo.modules.bilm import BiLM

BUNDLED_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = "en-small"
WEIGHT_FILE_NAMES = ("weights.hdf5", "lm_weights.hdf5")


def bundled_models() -> list[str]:
    """Names of the models shipped inside the package."""
    return sorted(p.name for p in BUNDLED_DIR.iterdir()
                  if (p / "options.json").is_file() or is_native_folder(p))


def resolve_model_files(name_or_path: str | Path) -> tuple[Path, Path]:
    """(options.json, weights.hdf5) for a bundled model name, a model folder, or a weight file."""
    bundled = BUNDLED_DIR / str(name_or_path)
    path = bundled if bundled.is_dir() and str(name_or_path) in bundled_models() else Path(name_or_path)
    if path.is_dir():
        weights = [path / name for name in WEIGHT_FILE_NAMES if (path / name).is_file()]
        weights = weights or sorted(path.glob("*.hdf5"))
        if len(weights) != 1:
            found = ", ".join(w.name for w in weights) or "none"
            raise ModelFileError(f"{path}: expected one weight file ({' or '.join(WEIGHT_FILE_NAMES)}), "
                                 f"found {found}")
        return _existing_options(path / "options.json"), weights[0]
    if path.is_file():
        return _existing_options(path.parent / "options.json"), path
    raise ModelFileError(f"no model named or found at '{name_or_path}'; give a model folder, a weight "
                         f"file, or one of the bundled models: {', '.join(bundled_models())}")


class LoadedBiLM(NamedTuple):
    """A biLM with what its folder says about it (None where the original format has nothing)."""

    bilm: BiLM
    name: str
    vocabulary: list[str] | None  # the training vocabulary (needed by word-input models)
    tokenizer: str | None  # what tokenized its training text


def load_bilm_model(name_or_path: str | Path | None = None, options_file: str | Path | None = None,
                    weight_file: str | Path | None = None) -> LoadedBiLM:
    """Load from a bundled name, a folder or weight file, or explicit original-format files."""
    if options_file is not None or weight_file is not None:
        if options_file is None or weight_file is None:
            raise ModelFileError("give both an options file and a weight file, or a model name/folder")
        return LoadedBiLM(load_bilm(options_file, weight_file), Path(weight_file).stem, None, None)
    name_or_path = DEFAULT_MODEL if name_or_path is None else name_or_path
    name = Path(str(name_or_path)).name
    bundled = BUNDLED_DIR / str(name_or_path)
    folder = bundled if str(name_or_path) in bundled_models() else Path(name_or_path)
    if is_native_folder(folder):
        model, vocabulary, config = load_native(folder)
        return LoadedBiLM(model.bilm.eval(), name, vocabulary, config["metadata"].get("tokenizer"))
    options, weights = resolve_model_files(name_or_path)
    return LoadedBiLM(load_bilm(options, weights), name, None, None)


def _existing_options(path: Path) -> Path:
    if not path.is_file():
        raise ModelFileError(f"options file not found: {path} (it must sit beside the weights)")
    return path
