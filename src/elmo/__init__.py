"""ELMo: deep contextualized word representations from a character-input bidirectional LM.

Public API::

    import elmo
    model = elmo.load()                      # bundled default, a model folder, or a weight file
    vectors = model.embed([["I", "play", "chess"]])   # [(L + 1, n_tokens, 2 * projection_dim)]
    model.save_pretrained("my-model")         # a folder that elmo.load reads back
    layer = elmo.Elmo(options_file, weight_file, num_output_representations=1)  # for task models
    char_ids = elmo.batch_to_ids([["Hello", "world"]])
    elmo.tag("江泽民主席发表新年讲话。")     # [("江泽民", "nr"), ("主席", "n"), ...] (bundled tagger)
"""
from __future__ import annotations

from elmo.config import BiLMConfig, SoftmaxConfig
from elmo.data.chars import batch_to_ids
from elmo.embed.elmo_layer import Elmo
from elmo.embed.embedder import Embedder
from elmo.errors import ConfigError, ElmoError, InputError, ModelFileError
from elmo.interop.model_folder import DEFAULT_MODEL, ModelFolder, bundled_models
from elmo.modules.bilm import BiLM, BiLMOutput, LSTMState
from elmo.modules.scalar_mix import LayerMix, ScalarMix
from elmo.serve.client import Client

load = Embedder.from_pretrained


def __getattr__(name: str):
    """``tag`` and ``Predictor``, imported when first asked for: the task stack they need would
    otherwise add to the start-up of every command."""
    if name in ("tag", "Predictor"):
        from elmo.tasks import predict
        return getattr(predict, name)
    raise AttributeError(f"module 'elmo' has no attribute {name!r}")

__all__ = [
    "load", "Embedder", "Elmo", "BiLM", "BiLMOutput", "LSTMState", "BiLMConfig", "SoftmaxConfig",
    "ModelFolder", "ScalarMix", "LayerMix", "batch_to_ids", "bundled_models", "DEFAULT_MODEL",
    "ElmoError", "ConfigError", "InputError", "ModelFileError", "Client",
    "tag", "Predictor",
]
