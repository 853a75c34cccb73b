"""``Elmo``: the biLM plus learned layer mixes, for use inside a downstream task model."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from elmo.embed.embedder import ModelInputs, precompute_tokens
from elmo.errors import InputError
from elmo.interop.model_folder import ModelFolder
from elmo.modules.bilm import BiLM, remove_sentence_markers
from elmo.modules.scalar_mix import LayerMix
from elmo.modules.token_cache import TokenVectorCache


class Elmo(nn.Module):
    """ELMo representations for a downstream model, with the same arguments and outputs as AllenNLP.

    Each of ``num_output_representations`` outputs is its own mix of the biLM's L + 1 layers
    (e.g. one for a task encoder's input and one for its output, as in the paper), followed by
    dropout (a :class:`~elmo.modules.scalar_mix.LayerMix`). The biLM is frozen unless
    ``requires_grad``; it is stateless.

    Args:
        options_file, weight_file: the original-format model files; or pass ``bilm`` (or a bundled
            model name / folder as ``options_file``) instead.
        num_output_representations: how many independent mixes to return.
        requires_grad: fine-tune the biLM too.
        do_layer_norm: layer-normalise each layer before mixing.
        dropout: applied to each output.
        vocab_to_cache: tokens whose layer-0 vectors to precompute (frozen biLM only).
        keep_sentence_boundaries: keep the begin/end-of-sentence positions in the outputs.
        scalar_mix_parameters: fixed (not learned) unnormalised layer weights.
        mix: ``"learned"``, ``"average"`` (fixed equal weights) or ``"top"`` (the top layer
            alone, no parameters).

    Inputs: inputs (B, T, max_characters) character ids from
        ``batch_to_ids(sentences, max_characters=elmo.max_characters)``.
    Outputs: dict with
        - ``elmo_representations``: list of (B, T, 2 * projection_dim) tensors;
        - ``mask``: (B, T) bool;
        - ``layers``: (L + 1, B, T, 2 * projection_dim), all layers before mixing.
    """

    def __init__(self, options_file: str | Path | None = None, weight_file: str | Path | None = None,
                 num_output_representations: int = 1, requires_grad: bool = False,
                 do_layer_norm: bool = False, dropout: float = 0.5,
                 vocab_to_cache: Sequence[str] | None = None, keep_sentence_boundaries: bool = False,
                 scalar_mix_parameters: Sequence[float] | None = None, mix: str = "learned",
                 bilm: BiLM | None = None) -> None:
        super().__init__()
        folder = (ModelFolder(bilm) if bilm is not None else ModelFolder.load(options_file)
                  if weight_file is None else
                  ModelFolder.load(options_file=options_file, weight_file=weight_file))
        bilm = folder.bilm
        needs_folder = bilm.config.word_embedding is not None or (
            bilm.config.char_cnn is not None and bilm.config.char_cnn.characters == "codepoints")
        self._inputs = ModelInputs(folder) if folder.is_native or not needs_folder else None
        self.mixer = LayerMix(bilm.config.n_representations, num_output_representations, mix,
                              dropout, do_layer_norm, scalar_mix_parameters)
        self.bilm = bilm
        self.requires_grad = requires_grad
        bilm.requires_grad_(requires_grad)
        self.token_cache = None if requires_grad else TokenVectorCache(bilm.token_encoder)
        if vocab_to_cache is not None:
            if requires_grad:
                raise InputError("vocab_to_cache needs a frozen biLM (requires_grad=False)")
            precompute_tokens(self.token_cache, vocab_to_cache, self.max_characters,
                              self._inputs.characters if self._inputs else None)
        self.keep_sentence_boundaries = keep_sentence_boundaries
        self._register_load_state_dict_pre_hook(_rename_old_mix_keys)

    def model_inputs(self, sentences: Sequence[Sequence[str]]) -> dict[str, torch.Tensor | None]:
        """``forward``'s arguments for tokenized sentences, in the model's own conventions
        (code-point characters, word ids): ``layer(**layer.model_inputs(sentences))``."""
        if self._inputs is None:
            raise InputError("this layer was given a bare biLM that reads words: build it from its "
                             "model folder to get its vocabulary")
        char_ids, word_ids = self._inputs(sentences)
        return {"inputs": char_ids, "word_inputs": word_ids}

    @property
    def max_characters(self) -> int:
        """Characters per token of the model's input (``batch_to_ids(..., max_characters=)``)."""
        return self.bilm.config.max_characters

    def get_output_dim(self) -> int:
        return self.bilm.config.output_dim

    def train(self, mode: bool = True) -> Elmo:
        super().train(mode)
        if not self.requires_grad:
            self.bilm.eval()  # a frozen biLM never runs in training mode
        return self

    def l2_penalty(self) -> torch.Tensor:
        """Sum of the mixes' ``||s||^2``, to add (times a coefficient) to the task loss."""
        return self.mixer.l2_penalty()

    def forward(self, inputs: torch.Tensor, word_inputs: torch.Tensor | None = None,
                ) -> dict[str, object]:
        if self.bilm.token_encoder.uses_words != (word_inputs is not None):
            raise InputError("this model reads word ids too: pass word_inputs (vocabulary ids, "
                             "batch x tokens)" if word_inputs is None else
                             "word_inputs are not used by this character-input model")
        with torch.set_grad_enabled(self.requires_grad and torch.is_grad_enabled()):
            output = self.bilm(inputs, word_ids=word_inputs, token_cache=self.token_cache)
        layers, mask = output.layers, output.mask
        if not self.keep_sentence_boundaries:
            layers, mask = remove_sentence_markers(layers, mask)
        return {"elmo_representations": self.mixer(layers, mask), "mask": mask, "layers": layers}


def _rename_old_mix_keys(state_dict: dict, prefix: str, *_) -> None:
    """State dicts saved before the mixes moved into ``mixer`` name them ``scalar_mixes.*``."""
    for key in [k for k in state_dict if k.startswith(f"{prefix}scalar_mixes.")]:
        state_dict[f"{prefix}mixer.{key[len(prefix):]}"] = state_dict.pop(key)
