"""The bidirectional language model: token encoder plus a forward and a backward LSTM stack."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from elmo.config import BiLMConfig
from elmo.errors import InputError
from elmo.modules.char_ids import sentence_boundary_ids
from elmo.modules.lstm import ProjectedLSTM
from elmo.modules.token_cache import TokenVectorCache
from elmo.modules.token_encoder import TokenEncoder


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
    """Bidirectional language model that returns every layer's contextual representations.

    Stateless by default: each call starts from zero states (or from ``state`` when given), so a
    sentence's vectors do not depend on its batch or on earlier calls. Pass a
    :class:`TokenVectorCache` as ``token_cache`` to skip the token encoder for tokens seen before
    (frozen use).

    Inputs: char_ids, state, add_sentence_markers, word_ids, token_cache
        - char_ids: (B, T, max_characters) int64, 0 for absent tokens (a prefix of each row is real).
        - state: optional initial LSTMState for these B rows.
        - add_sentence_markers: wrap each sentence in begin/end-of-sentence tokens (as the original
          did); outputs then have T + 2 positions.
        - word_ids: (B, T) vocabulary ids, for models with word input.
        - token_cache: optional cache of this model's layer-0 vectors.
    Outputs: BiLMOutput
    """

    def __init__(self, config: BiLMConfig) -> None:
        super().__init__()
        self.config = config
        lstm = config.lstm
        self.token_encoder = TokenEncoder(config)
        # Layer l holds both directions: index 0 forward, 1 backward.
        self.layers = nn.ModuleList(
            ProjectedLSTM(lstm.projection_dim, lstm.dim, lstm.projection_dim, lstm.cell_clip,
                          lstm.proj_clip, directions=2)
            for _layer in range(lstm.n_layers))
        characters = config.char_cnn.characters if config.char_cnn is not None else "bytes"
        markers = np.stack(sentence_boundary_ids(config.max_characters, characters))
        self.register_buffer("marker_ids", torch.from_numpy(markers), persistent=False)  # (2, C)

    def zero_state(self, batch_size: int) -> LSTMState:
        lstm = self.config.lstm
        weight = self.layers[0].bias
        return LSTMState(weight.new_zeros(2, lstm.n_layers, batch_size, lstm.projection_dim),
                         weight.new_zeros(2, lstm.n_layers, batch_size, lstm.dim))

    def forward(self, char_ids: torch.Tensor, state: LSTMState | None = None,
                add_sentence_markers: bool = True, word_ids: torch.Tensor | None = None,
                token_cache: TokenVectorCache | None = None) -> BiLMOutput:
        if char_ids.dim() != 3 or char_ids.shape[-1] != self.config.max_characters:
            raise InputError(f"character ids must have shape (batch, tokens, "
                             f"{self.config.max_characters}) for this model, found "
                             f"{tuple(char_ids.shape)}; make them with batch_to_ids(sentences, "
                             f"max_characters={self.config.max_characters})")
        mask = (char_ids > 0).any(dim=-1)  # (B, T)
        if add_sentence_markers:
            char_ids, word_ids, mask = self._add_sentence_markers(char_ids, word_ids, mask)
        tokens = self.encode_tokens(char_ids, mask, word_ids, token_cache)  # (B, T, P)
        lengths = mask.sum(dim=1)
        inputs = torch.stack([tokens, _reverse_within_length(tokens, lengths)])  # (2, B, T, P)
        outputs, final = self.contextualize(inputs, lengths, state)
        layers = [torch.cat([tokens, tokens], dim=-1)]
        layers += [torch.cat([forward, _reverse_within_length(backward, lengths)], dim=-1)
                   for forward, backward in outputs]
        return BiLMOutput(torch.stack(layers), mask, final)

    def language_model_states(self, char_ids: torch.Tensor, mask: torch.Tensor,
                              word_ids: torch.Tensor | None = None, state: LSTMState | None = None,
                              dropout: float = 0.0) -> tuple[torch.Tensor, LSTMState]:
        """Top-layer states of both LMs for training, each direction reading its own stream.

        Shapes: char_ids (2, B, T, C), mask (2, B, T), word_ids (2, B, T) with index 0 the forward
        input and index 1 the backward input (already reversed, e.g. the original's reversed
        stream) -> top outputs (2, B, T, P) and the final LSTMState. Both directions' rows must have
        the same lengths. Dropout is applied to every LSTM layer's input and to the top output.
        """
        sides, batch, length, width = char_ids.shape
        flat_words = None if word_ids is None else word_ids.reshape(sides * batch, length)
        tokens = self.encode_tokens(char_ids.reshape(sides * batch, length, width),
                                    mask.reshape(sides * batch, length), flat_words)
        outputs, final = self.contextualize(tokens.view(sides, batch, length, -1), mask[0].sum(1),
                                            state, dropout)
        return F.dropout(outputs[-1], dropout, self.training), final

    def contextualize(self, inputs: torch.Tensor, lengths: torch.Tensor,
                      state: LSTMState | None = None, dropout: float = 0.0,
                      ) -> tuple[list[torch.Tensor], LSTMState]:
        """Run both LSTM stacks over their inputs.

        Shapes: inputs (2, B, T, P) (index 1 already reversed within each row's length), lengths (B,)
        -> one (2, B, T, P) output per layer (zero past each row's end), final LSTMState.
        """
        if state is None:
            state = self.zero_state(inputs.shape[1])
        order = torch.argsort(lengths, descending=True, stable=True)
        restore = torch.argsort(order)
        batch_sizes = (lengths[order].unsqueeze(0) > torch.arange(inputs.shape[2], device=lengths.device).unsqueeze(1)
                       ).sum(dim=1).tolist()  # rows still running at each step
        inputs = inputs[:, order]
        h, c = state.h[:, :, order], state.c[:, :, order]
        outputs, final_h, final_c = [], [], []
        for index, layer in enumerate(self.layers):
            output, (h_n, c_n) = layer(F.dropout(inputs, dropout, self.training), batch_sizes,
                                       (h[:, index], c[:, index]))
            if self.config.lstm.use_skip_connections and index > 0:
                output = output + inputs
            outputs.append(output[:, restore])
            final_h.append(h_n)
            final_c.append(c_n)
            inputs = output
        final = LSTMState(torch.stack(final_h, 1)[:, :, restore], torch.stack(final_c, 1)[:, :, restore])
        return outputs, final

    def encode_tokens(self, char_ids: torch.Tensor, mask: torch.Tensor,
                      word_ids: torch.Tensor | None = None,
                      token_cache: TokenVectorCache | None = None) -> torch.Tensor:
        """Layer-0 vectors, computed once per distinct token: (B, T, C), (B, T) -> (B, T, P)."""
        features = char_ids[mask]  # (N, C), or (N, C + 1) with the word id last
        if self.token_encoder.uses_words:
            features = torch.cat([features, word_ids[mask].unsqueeze(-1)], dim=-1)
        distinct, positions = torch.unique(features, dim=0, return_inverse=True)
        width = char_ids.shape[-1]
        encoder = self.token_encoder

        def encode(rows: torch.Tensor) -> torch.Tensor:
            return encoder(rows[:, :width], rows[:, width] if encoder.uses_words else None)

        if token_cache is not None and token_cache.usable():
            vectors = token_cache.lookup(distinct, encode)
        else:
            vectors = encode(distinct)
        tokens = vectors.new_zeros(*mask.shape, vectors.shape[-1])
        # index_select, not indexing: its backward sums a repeated token's gradients in a fixed
        # order, so training is reproducible with several threads
        tokens[mask] = vectors.index_select(0, positions)
        return tokens

    def _add_sentence_markers(self, char_ids: torch.Tensor, word_ids: torch.Tensor | None,
                              mask: torch.Tensor):
        """(B, T, C), (B, T), (B, T) -> (B, T + 2, ...): begin first, end right after each row."""
        batch, length, _ = char_ids.shape
        lengths = mask.sum(dim=1)
        rows, ends = torch.arange(batch, device=lengths.device), lengths + 1
        marked = char_ids.new_zeros(batch, length + 2, char_ids.shape[2])
        marked[:, 1: length + 1] = char_ids
        marked[:, 0] = self.marker_ids[0]
        marked[rows, ends] = self.marker_ids[1]
        if word_ids is not None:
            words = self.config.word_embedding
            marked_words = word_ids.new_zeros(batch, length + 2)
            marked_words[:, 1: length + 1] = word_ids
            marked_words[:, 0] = words.bos_id
            marked_words[rows, ends] = words.eos_id
            word_ids = marked_words
        return marked, word_ids, torch.arange(length + 2, device=lengths.device).unsqueeze(0) < (lengths + 2).unsqueeze(1)


def _reverse_within_length(tensor: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` positions, leave the padding: (B, T, D) -> same."""
    steps = torch.arange(tensor.shape[1], device=lengths.device).unsqueeze(0)  # (1, T)
    index = torch.where(steps < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - steps, steps)
    return tensor.gather(1, index.unsqueeze(-1).expand_as(tensor))


def remove_sentence_markers(layers: torch.Tensor, mask: torch.Tensor,
                            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Drop the begin/end-of-sentence positions added by the biLM.

    Shapes: layers (..., B, T + 2, D), mask (B, T + 2) -> (..., B, T, D), (B, T).
    """
    token_mask = mask[:, 2:]  # each row has two fewer real positions, still a prefix
    return layers[..., 1:-1, :] * token_mask.unsqueeze(-1).to(layers.dtype), token_mask
