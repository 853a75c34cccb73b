"""The pretraining objective: forward and backward LMs sharing the token encoder and the softmax."""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from elmo.modules.bilm import BiLM, LSTMState


class LMOutput(NamedTuple):
    """Summed per-direction values over real positions, the token count, and the final states.

    - forward_loss, backward_loss: scalars, sums over the batch's positions.
    - n_tokens: positions predicted per direction.
    - state: final LSTMState (to carry into the next window).
    """

    forward_loss: torch.Tensor
    backward_loss: torch.Tensor
    n_tokens: int
    state: LSTMState


class BiLMWithSoftmax(nn.Module):
    """biLM plus one softmax shared by both directions (Peters et al., 2018, eq. in section 3.1).

    Training maximises the joint log-likelihood of the forward LM (next token) and the backward LM
    (previous token); the reported loss is their mean per token.

    Args:
        bilm: token encoder and LSTM stacks.
        softmax: a head from :mod:`elmo.modules.softmax` over the vocabulary.
        dropout: on every LSTM input and on the top output, during training only.

    Inputs: char_ids (2, B, T, C), word_ids (2, B, T), targets (2, B, T), mask (2, B, T), state
        with index 0 of the first axis the forward stream and 1 the backward (reversed) stream.
    Output: LMOutput
    """

    def __init__(self, bilm: BiLM, softmax: nn.Module, dropout: float = 0.0) -> None:
        super().__init__()
        self.bilm = bilm
        self.softmax = softmax
        self.dropout = dropout

    def forward(self, char_ids: torch.Tensor, word_ids: torch.Tensor | None, targets: torch.Tensor,
                mask: torch.Tensor, state: LSTMState | None = None, exact: bool = False) -> LMOutput:
        """``exact=True`` scores with the full distribution (for perplexity) instead of the
        training loss (which the sampled softmax only estimates)."""
        hidden, final = self.bilm.language_model_states(
            char_ids, mask, word_ids if self.bilm.token_encoder.uses_words else None, state,
            self.dropout)  # (2, B, T, P)
        losses = []
        for direction in range(2):
            real = mask[direction]
            states, wanted = hidden[direction][real], targets[direction][real]
            if exact:
                losses.append(-self.softmax.log_likelihood(states, wanted).sum())
            else:
                losses.append(self.softmax.training_loss(states, wanted).sum())
        return LMOutput(losses[0], losses[1], int(mask[0].sum()), final)
