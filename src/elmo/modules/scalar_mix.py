"""Task-specific weighted sum of the biLM's layers: ``gamma * sum_k softmax(s)_k * h_k``."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class ScalarMix(nn.Module):
    """Softmax-normalised layer weights ``s`` and a scale ``gamma`` (Peters et al., 2018, eq. 1).

    Args:
        n_layers: number of representations mixed (L + 1 for an L-layer biLM).
        do_layer_norm: normalise each layer over all its unmasked elements before mixing.
        initial_weights: starting (unnormalised) ``s``; zeros, i.e. an average, by default.
        initial_gamma: starting ``gamma``.
        trainable: whether ``s`` and ``gamma`` receive gradients.

    Inputs: layers, mask
        - layers: (n_layers, B, T, D) tensor or a sequence of n_layers (B, T, D) tensors.
        - mask: (B, T) bool, required when ``do_layer_norm``.
    Output: (B, T, D)
    """

    def __init__(self, n_layers: int, do_layer_norm: bool = False,
                 initial_weights: Sequence[float] | None = None, initial_gamma: float = 1.0,
                 trainable: bool = True) -> None:
        super().__init__()
        weights = [0.0] * n_layers if initial_weights is None else list(initial_weights)
        if len(weights) != n_layers:
            raise ValueError(f"initial_weights has {len(weights)} values for {n_layers} layers")
        self.scalar_parameters = nn.Parameter(torch.tensor(weights), requires_grad=trainable)
        self.gamma = nn.Parameter(torch.tensor(float(initial_gamma)), requires_grad=trainable)
        self.do_layer_norm = do_layer_norm

    @property
    def layer_weights(self) -> torch.Tensor:
        """The normalised weights softmax(s): (n_layers,)."""
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


def _masked_layer_norm(layer: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Normalise by the mean and variance of all unmasked elements: (B, T, D) -> (B, T, D)."""
    weights = mask.unsqueeze(-1).to(layer.dtype)
    count = weights.sum() * layer.shape[-1]
    mean = (layer * weights).sum() / count
    variance = (((layer - mean) * weights) ** 2).sum() / count
    return (layer - mean) / torch.sqrt(variance + 1e-12)
