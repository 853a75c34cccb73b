"""ELMo outputs from already computed biLM layers: the task-specific half of ``Elmo``."""
from __future__ import annotations

import torch
from torch import nn

from elmo.modules.scalar_mix import ScalarMix

MIX_MODES = ("learned", "average", "top")


class LayerMixer(nn.Module):
    """``n_outputs`` mixes of the biLM's L + 1 layers, each followed by dropout.

    Args:
        n_layers: L + 1.
        n_outputs: independent mixes (e.g. one for the encoder's input, one for its output).
        mix: ``"learned"`` (softmax weights s and gamma, Peters et al. eq. 1), ``"average"`` (fixed
            equal weights) or ``"top"`` (the top layer alone, no parameters).
        dropout: applied to each output (training only).
        do_layer_norm: layer-normalise each layer before mixing.

    Inputs: layers (n_layers, B, T, D), mask (B, T) bool.
    Output: list of n_outputs tensors (B, T, D).
    """

    def __init__(self, n_layers: int, n_outputs: int = 1, mix: str = "learned", dropout: float = 0.5,
                 do_layer_norm: bool = False) -> None:
        super().__init__()
        if mix not in MIX_MODES:
            raise ValueError(f"mix must be one of {MIX_MODES}, found {mix!r}")
        self.mix = mix
        self.n_outputs = n_outputs
        self.scalar_mixes = nn.ModuleList() if mix == "top" else nn.ModuleList(
            ScalarMix(n_layers, do_layer_norm, trainable=mix == "learned") for _ in range(n_outputs))
        self.dropout = nn.Dropout(dropout)

    def l2_penalty(self) -> torch.Tensor:
        """Sum of the learned mixes' ``||s||^2`` (zero when nothing is learned)."""
        penalties = [m.l2_penalty() for m in self.scalar_mixes if m.scalar_parameters.requires_grad]
        return torch.stack(penalties).sum() if penalties else torch.zeros(())

    def layer_weights(self) -> list[list[float]]:
        """softmax(s) of each output's mix (for plots); empty for ``"top"``."""
        return [m.layer_weights.tolist() for m in self.scalar_mixes]

    def forward(self, layers: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        if self.mix == "top":
            return [self.dropout(layers[-1]) for _ in range(self.n_outputs)]
        return [self.dropout(m(layers, mask)) for m in self.scalar_mixes]
