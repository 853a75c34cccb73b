"""Task-specific weighted sums of the biLM's layers: ``gamma * sum_k softmax(s)_k * h_k``.

:class:`ScalarMix` is one such sum; :class:`LayerMix` is what a task model holds: one or more
independent mixes (or the top layer alone), each followed by dropout, with the L2 penalty on
``s``. ``Elmo`` and the task heads both use :class:`LayerMix`.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from elmo.errors import ConfigError

MIX_MODES = ("learned", "average", "top")


class ScalarMix(nn.Module):
    """Softmax-normalised layer weights ``s`` and a scale ``gamma`` (Peters et al., 2018, eq. 1).

    Args:
        n_representations: number of representations mixed (L + 1 for an L-layer biLM).
        do_layer_norm: normalise each layer over all its unmasked elements before mixing.
        initial_weights: starting (unnormalised) ``s``; zeros, i.e. an average, by default.
        initial_gamma: starting ``gamma``.
        trainable: whether ``s`` and ``gamma`` receive gradients.

    Inputs: layers, mask
        - layers: (n_representations, B, T, D) tensor or a sequence of n_representations (B, T, D) tensors.
        - mask: (B, T) bool, required when ``do_layer_norm``.
    Output: (B, T, D)
    """

    def __init__(self, n_representations: int, do_layer_norm: bool = False,
                 initial_weights: Sequence[float] | None = None, initial_gamma: float = 1.0,
                 trainable: bool = True) -> None:
        super().__init__()
        weights = [0.0] * n_representations if initial_weights is None else list(initial_weights)
        if len(weights) != n_representations:
            raise ValueError(f"initial_weights has {len(weights)} values for {n_representations} "
                             "representations")
        self.scalar_parameters = nn.Parameter(torch.tensor(weights), requires_grad=trainable)
        self.gamma = nn.Parameter(torch.tensor(float(initial_gamma)), requires_grad=trainable)
        self.do_layer_norm = do_layer_norm

    @property
    def layer_weights(self) -> torch.Tensor:
        """The normalised weights softmax(s): (n_representations,)."""
        return torch.softmax(self.scalar_parameters, dim=0)

    def l2_penalty(self) -> torch.Tensor:
        """``||s||^2``; add ``lambda * l2_penalty()`` to a task loss to pull the mix toward an average."""
        return (self.scalar_parameters ** 2).sum()

    def forward(self, layers: torch.Tensor | Sequence[torch.Tensor],
                mask: torch.Tensor | None = None) -> torch.Tensor:
        if len(layers) != len(self.scalar_parameters):
            raise ValueError(f"expected {len(self.scalar_parameters)} layers, got {len(layers)}")
        if self.do_layer_norm:
            if mask is None:
                raise ValueError("do_layer_norm needs the mask of real positions")
            layers = [_masked_layer_norm(layer, mask) for layer in layers]
        weights = self.layer_weights
        mixed = sum(weight * layer for weight, layer in zip(weights, layers))
        return self.gamma * mixed


class LayerMix(nn.Module):
    """``n_outputs`` mixes of the biLM's L + 1 layers, each followed by dropout.

    Args:
        n_representations: L + 1.
        n_outputs: independent mixes (e.g. one for a task encoder's input, one for its output).
        mode: ``"learned"`` (softmax weights s and gamma, Peters et al. eq. 1), ``"average"``
            (fixed equal weights) or ``"top"`` (the top layer alone, no parameters).
        dropout: applied to each output (training only).
        do_layer_norm: layer-normalise each layer before mixing.
        initial_weights: fixed (not learned) unnormalised weights ``s`` for every mix.

    Inputs: layers (n_representations, B, T, D), mask (B, T) bool.
    Output: list of n_outputs tensors (B, T, D).
    """

    def __init__(self, n_representations: int, n_outputs: int = 1, mode: str = "learned",
                 dropout: float = 0.5, do_layer_norm: bool = False,
                 initial_weights: Sequence[float] | None = None) -> None:
        super().__init__()
        if mode not in MIX_MODES:
            raise ConfigError(f"the layer mix must be one of {MIX_MODES}, found {mode!r}")
        self.mode = mode
        self.n_outputs = n_outputs
        trainable = mode == "learned" and initial_weights is None
        self.scalar_mixes = nn.ModuleList() if mode == "top" else nn.ModuleList(
            ScalarMix(n_representations, do_layer_norm, initial_weights, trainable=trainable)
            for _ in range(n_outputs))
        self.dropout = nn.Dropout(dropout)

    def l2_penalty(self) -> torch.Tensor:
        """Sum of the learned mixes' ``||s||^2`` (zero when nothing is learned)."""
        penalties = [m.l2_penalty() for m in self.scalar_mixes if m.scalar_parameters.requires_grad]
        return torch.stack(penalties).sum() if penalties else torch.zeros(())

    @property
    def layer_weights(self) -> list[list[float]]:
        """softmax(s) of each output's mix (for plots); empty for ``"top"``."""
        return [m.layer_weights.tolist() for m in self.scalar_mixes]

    def forward(self, layers: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        if self.mode == "top":
            return [self.dropout(layers[-1]) for _ in range(self.n_outputs)]
        return [self.dropout(mix(layers, mask)) for mix in self.scalar_mixes]


def _masked_layer_norm(layer: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Normalise by the mean and variance of all unmasked elements: (B, T, D) -> (B, T, D)."""
    weights = mask.unsqueeze(-1).to(layer.dtype)
    count = weights.sum() * layer.shape[-1]
    mean = (layer * weights).sum() / count
    variance = (((layer - mean) * weights) ** 2).sum() / count
    return (layer - mean) / torch.sqrt(variance + 1e-12)
