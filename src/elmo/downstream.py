"""``Elmo``: the biLM plus learned layer mixes, for use inside a downstream task model."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from elmo.embed.model import ElmoModel
from elmo.errors import InputError
from elmo.loading import load_bilm_model
from elmo.modules.bilm import BiLM, remove_sentence_markers
from elmo.modules.scalar_mix import ScalarMix
from elmo.modules.token_cache import TokenVectorCache

MIX_MODES = ("learned", "average", "top")


class Elmo(nn.Module):
    """ELMo representations for a downstream model, with the same arguments and outputs as AllenNLP.

    Each of ``num_output_representations`` outputs is its own mix of the biLM's L + 1 layers
    (e.g. one for a task encoder's input and one for its output, as in the paper), followed by
    dropout. The biLM is frozen unless ``requires_grad``; it is stateless.

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
        mix: ``"learned"`` (ScalarMix), ``"average"`` (fixed equal weights) or ``"top"`` (the top
            layer alone, no parameters).

    Inputs: inputs (B, T, max_characters) character ids from ``batch_to_ids``.
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
        if mix not in MIX_MODES:
            raise InputError(f"mix must be one of {MIX_MODES}, found {mix!r}")
        if bilm is None:
            if weight_file is None:
                bilm = load_bilm_model(options_file).bilm
            else:
                bilm = load_bilm_model(options_file=options_file, weight_file=weight_file).bilm
        self.bilm = bilm
        self.requires_grad = requires_grad
        bilm.requires_grad_(requires_grad)
        if not requires_grad:
            bilm.token_cache = TokenVectorCache()
            if vocab_to_cache is not None:
                ElmoModel(bilm).precompute_tokens(vocab_to_cache)
        elif vocab_to_cache is not None:
            raise InputError("vocab_to_cache needs a frozen biLM (requires_grad=False)")
        self.mix = mix
        n_layers = bilm.config.n_representations
        if mix == "top":
            self.scalar_mixes = nn.ModuleList()
        else:
            fixed = mix == "average" or scalar_mix_parameters is not None
            self.scalar_mixes = nn.ModuleList(
                ScalarMix(n_layers, do_layer_norm, scalar_mix_parameters, trainable=not fixed)
                for _ in range(num_output_representations))
        self.num_output_representations = num_output_representations
        self.keep_sentence_boundaries = keep_sentence_boundaries
        self.dropout = nn.Dropout(dropout)

    def get_output_dim(self) -> int:
        return self.bilm.config.output_dim

    def train(self, mode: bool = True) -> Elmo:
        super().train(mode)
        if not self.requires_grad:
            self.bilm.eval()  # a frozen biLM never runs in training mode
        return self

    def l2_penalty(self) -> torch.Tensor:
        """Sum of the mixes' ``||s||^2``, to add (times a coefficient) to the task loss."""
        penalties = [mix.l2_penalty() for mix in self.scalar_mixes if mix.scalar_parameters.requires_grad]
        return torch.stack(penalties).sum() if penalties else torch.zeros(())

    def forward(self, inputs: torch.Tensor, word_inputs: torch.Tensor | None = None,
                ) -> dict[str, object]:
        if inputs.dim() != 3:
            raise InputError(f"inputs must be character ids of shape (batch, tokens, characters), "
                             f"found shape {tuple(inputs.shape)}")
        if self.bilm.token_encoder.uses_words != (word_inputs is not None):
            raise InputError("this model reads word ids too: pass word_inputs (vocabulary ids, "
                             "batch x tokens)" if word_inputs is None else
                             "word_inputs are not used by this character-input model")
        with torch.set_grad_enabled(self.requires_grad and torch.is_grad_enabled()):
            output = self.bilm(inputs, word_ids=word_inputs)
        layers, mask = output.layers, output.mask
        if not self.keep_sentence_boundaries:
            layers, mask = remove_sentence_markers(layers, mask)
        if self.mix == "top":
            mixed = [layers[-1]] * self.num_output_representations
        else:
            mixed = [scalar_mix(layers, mask) for scalar_mix in self.scalar_mixes]
        return {"elmo_representations": [self.dropout(m) for m in mixed], "mask": mask,
                "layers": layers}
