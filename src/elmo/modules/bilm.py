"""The bidirectional language model: token encoder plus a forward and a backward LSTM stack."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from elmo.config import BiLMConfig
from elmo.data.chars import sentence_boundary_ids
from elmo.modules.char_cnn import CharTokenEncoder
from elmo.modules.lstm import ProjectedLSTM
from elmo.modules.token_cache import TokenVectorCache


class LSTMState(NamedTuple):
    """Recurrent state of both stacks: h (2, L, B, projection_dim), c (2, L, B, dim).

    Index 0 of the first axis is the forward direction, 1 the backward one.
    """

    h: torch.Tensor
    c: torch.Tensor


class BiLMOutput(NamedTuple):
    """All 2L+1 representations, as L+1 tensors that each hold both directions.

    - layers: (L + 1, B, T, 2 * projection_dim); layer 0 is the token vector repeated for both
      directions; zero at masked positions.
    - mask: (B, T) bool, True at real positions.
    - state: each row's final LSTMState (after its last real position).
    """

    layers: torch.Tensor
    mask: torch.Tensor
    state: LSTMState


class BiLM(nn.Module):
    """Character-input bidirectional LM that returns every layer's contextual representations.

    Stateless by default: each call starts from zero states (or from ``state`` when given), so a
    sentence's vectors do not depend on its batch or on earlier calls. Set ``token_cache`` to a
    :class:`TokenVectorCache` to skip the character encoder for tokens seen before (frozen use).

    Inputs: char_ids, state, add_sentence_markers
        - char_ids: (B, T, max_characters) int64, 0 for absent tokens (a prefix of each row is real).
        - state: optional initial LSTMState for these B rows.
        - add_sentence_markers: wrap each sentence in begin/end-of-sentence tokens (as the original
          did); outputs then have T + 2 positions.
    Outputs: BiLMOutput
    """

    def __init__(self, config: BiLMConfig) -> None:
        super().__init__()
        self.config = config
        cnn, lstm = config.char_cnn, config.lstm
        self.token_encoder = CharTokenEncoder(cnn.n_characters, cnn.embedding_dim, cnn.filters,
                                              cnn.n_highway, lstm.projection_dim,
                                              cnn.max_characters_per_token, cnn.activation)
        # Layer l holds both directions: index 0 forward, 1 backward.
        self.layers = nn.ModuleList(
            ProjectedLSTM(lstm.projection_dim, lstm.dim, lstm.projection_dim, lstm.cell_clip,
                          lstm.proj_clip, directions=2)
            for _layer in range(lstm.n_layers))
        markers = np.stack(sentence_boundary_ids(cnn.max_characters_per_token))
        self.register_buffer("marker_ids", torch.from_numpy(markers), persistent=False)  # (2, C)
        self.token_cache: TokenVectorCache | None = None

    def zero_state(self, batch_size: int) -> LSTMState:
        lstm = self.config.lstm
        weight = self.token_encoder.projection.weight
        return LSTMState(weight.new_zeros(2, lstm.n_layers, batch_size, lstm.projection_dim),
                         weight.new_zeros(2, lstm.n_layers, batch_size, lstm.dim))

    def forward(self, char_ids: torch.Tensor, state: LSTMState | None = None,
                add_sentence_markers: bool = True) -> BiLMOutput:
        mask = (char_ids > 0).any(dim=-1)  # (B, T)
        if add_sentence_markers:
            char_ids, mask = self._add_sentence_markers(char_ids, mask)
        tokens = self.encode_tokens(char_ids, mask)  # (B, T, P)
        if state is None:
            state = self.zero_state(char_ids.shape[0])
        lengths = mask.sum(dim=1)
        order = torch.argsort(lengths, descending=True, stable=True)
        restore = torch.argsort(order)
        sorted_lengths = lengths[order]
        batch_sizes = (sorted_lengths.unsqueeze(0) > torch.arange(mask.shape[1]).unsqueeze(1)
                       ).sum(dim=1).tolist()  # rows still running at each step
        sorted_tokens = tokens[order]
        reversed_tokens = _reverse_within_length(sorted_tokens, sorted_lengths)
        inputs = torch.stack([sorted_tokens, reversed_tokens])  # (2, B, T, P): both directions
        h, c = state.h[:, :, order], state.c[:, :, order]
        layers, final_h, final_c = [torch.cat([sorted_tokens, sorted_tokens], dim=-1)], [], []
        for index, layer in enumerate(self.layers):
            outputs, (h_n, c_n) = layer(inputs, batch_sizes, (h[:, index], c[:, index]))
            if self.config.lstm.use_skip_connections and index > 0:
                outputs = outputs + inputs
            forward, backward = outputs
            layers.append(torch.cat([forward, _reverse_within_length(backward, sorted_lengths)], -1))
            final_h.append(h_n)
            final_c.append(c_n)
            inputs = outputs
        final = LSTMState(torch.stack(final_h, 1)[:, :, restore], torch.stack(final_c, 1)[:, :, restore])
        return BiLMOutput(torch.stack(layers)[:, restore], mask, final)

    def encode_tokens(self, char_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Layer-0 vectors, computed once per distinct token: (B, T, C), (B, T) -> (B, T, P)."""
        distinct, positions = torch.unique(char_ids[mask], dim=0, return_inverse=True)
        encoder = self.token_encoder
        if self.token_cache is not None and self.token_cache.usable_for(encoder):
            vectors = self.token_cache.lookup(encoder, distinct, encoder)
        else:
            vectors = encoder(distinct)
        tokens = vectors.new_zeros(*mask.shape, vectors.shape[-1])
        tokens[mask] = vectors[positions]
        return tokens

    def _add_sentence_markers(self, char_ids: torch.Tensor, mask: torch.Tensor,
                              ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, C), (B, T) -> (B, T + 2, C), (B, T + 2): begin first, end right after each row."""
        batch, length, _ = char_ids.shape
        lengths = mask.sum(dim=1)
        marked = char_ids.new_zeros(batch, length + 2, char_ids.shape[2])
        marked[:, 1: length + 1] = char_ids
        marked[:, 0] = self.marker_ids[0]
        marked[torch.arange(batch), lengths + 1] = self.marker_ids[1]
        return marked, torch.arange(length + 2).unsqueeze(0) < (lengths + 2).unsqueeze(1)


def _reverse_within_length(tensor: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` positions, leave the padding: (B, T, D) -> same."""
    steps = torch.arange(tensor.shape[1]).unsqueeze(0)  # (1, T)
    index = torch.where(steps < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - steps, steps)
    return tensor.gather(1, index.unsqueeze(-1).expand_as(tensor))


def remove_sentence_markers(layers: torch.Tensor, mask: torch.Tensor,
                            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop the begin/end-of-sentence positions added by the biLM.

    Shapes: layers (..., B, T + 2, D), mask (B, T + 2) -> (..., B, T, D), (B, T).
    """
    token_mask = mask[:, 2:]  # each row has two fewer real positions, still a prefix
    return layers[..., 1:-1, :] * token_mask.unsqueeze(-1).to(layers.dtype), token_mask
