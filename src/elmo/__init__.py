"""ELMo: deep contextualized word representations from a character-input bidirectional LM.

Public API::

    import elmo
    model = elmo.load()                      # bundled default, a model folder, or a weight file
    vectors = model.embed([["I", "play", "chess"]])   # [(L + 1, n_tokens, 2 * projection_dim)]
    layer = elmo.Elmo(options_file, weight_file, num_output_representations=1)  # for task models
    char_ids = elmo.batch_to_ids([["Hello", "world"]])
"""
from __future__ import annotations

from pathlib import Path

from elmo.config import BiLMConfig
from elmo.data.chars import batch_to_ids
from elmo.downstream import Elmo
from elmo.embed.model import ElmoModel
from elmo.errors import ConfigError, ElmoError, InputError, ModelFileError
from elmo.loading import DEFAULT_MODEL, bundled_models, load_bilm_model
from elmo.modules.bilm import BiLM, BiLMOutput, LSTMState
from elmo.modules.scalar_mix import ScalarMix

__all__ = [
    "load", "ElmoModel", "Elmo", "BiLM", "BiLMOutput", "LSTMState", "BiLMConfig", "ScalarMix",
    "batch_to_ids", "bundled_models", "DEFAULT_MODEL", "ElmoError", "ConfigError", "InputError",
    "ModelFileError",
]


def load(name_or_path: str | Path | None = None, *, options_file: str | Path | None = None,
         weight_file: str | Path | None = None, **options) -> ElmoModel:
    """Load a model for embedding text.

    Args:
        name_or_path: a bundled model name (``bundled_models()``), a model folder (this package's
            own, as ``elmo train`` writes it, or one holding ``options.json`` and an HDF5 weight
            file), or a weight file with ``options.json`` beside it.
            Defaults to ``DEFAULT_MODEL``.
        options_file, weight_file: explicit original-format files instead.
        **options: passed to :class:`ElmoModel` (batch_size, stateful, max_sentence_length, ...).
    """
    loaded = load_bilm_model(name_or_path, options_file, weight_file)
    return ElmoModel(loaded.bilm, name=loaded.name, vocabulary=loaded.vocabulary,
                     tokenizer=loaded.tokenizer, **options)
