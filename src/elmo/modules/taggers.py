"""BiLSTM sequence tagger with a CRF or per-token softmax output."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from elmo.modules.crf import CRF
from elmo.modules.task_input import TokenInput


class BiLSTMEncoder(nn.Module):
    """A bidirectional LSTM over padded batches: (B, T, input_dim) -> (B, T, 2 * hidden)."""

    def __init__(self, input_dim: int, hidden: int, n_layers: int = 1) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_dim, hidden, n_layers, batch_first=True, bidirectional=True)
        self.output_dim = 2 * hidden

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(1).clamp(min=1).cpu()
        packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
        output, _ = self.lstm(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])
        return output


class SequenceTagger(nn.Module):
    """Token input (word vectors [+ ELMo]) -> BiLSTM [+ ELMo] -> tag scores -> CRF or softmax.

    Args:
        token_input: the input representation (see :class:`TokenInput`).
        n_tags: number of tags.
        hidden: LSTM cells per direction.
        dropout: on the encoder's output.
        crf: decode with a linear-chain CRF (else independent per-token softmax).

    Inputs: token_ids (B, T), mask (B, T) bool, layers (L + 1, B, T, D) or None, tags (B, T).
    """

    def __init__(self, token_input: TokenInput, n_tags: int, hidden: int = 128, n_layers: int = 1,
                 dropout: float = 0.5, crf: bool = True) -> None:
        super().__init__()
        self.input = token_input
        self.encoder = BiLSTMEncoder(token_input.output_dim, hidden, n_layers)
        self.dropout = nn.Dropout(dropout)
        output_dim = self.encoder.output_dim + (token_input.elmo_dim if token_input.elmo_at_output else 0)
        self.scores = nn.Linear(output_dim, n_tags)
        self.crf = CRF(n_tags) if crf else None

    def emissions(self, token_ids: torch.Tensor, mask: torch.Tensor,
                  layers: torch.Tensor | None) -> torch.Tensor:
        """Per-token tag scores: (B, T, n_tags)."""
        inputs, elmo_out = self.input(token_ids, mask, layers)
        encoded = self.encoder(inputs, mask)
        if elmo_out is not None:
            encoded = torch.cat([encoded, elmo_out], dim=-1)
        return self.scores(self.dropout(encoded))

    def loss(self, token_ids: torch.Tensor, mask: torch.Tensor, layers: torch.Tensor | None,
             tags: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per sentence (CRF) or cross-entropy per token (softmax)."""
        emissions = self.emissions(token_ids, mask, layers)
        if self.crf is not None:
            return self.crf.neg_log_likelihood(emissions, tags, mask)
        return nn.functional.cross_entropy(emissions[mask], tags[mask])

    def predict(self, token_ids: torch.Tensor, mask: torch.Tensor,
                layers: torch.Tensor | None) -> list[list[int]]:
        """Best tag ids per sentence, cut to each sentence's length."""
        emissions = self.emissions(token_ids, mask, layers)
        if self.crf is not None:
            return self.crf.decode(emissions, mask)
        best = emissions.argmax(-1).tolist()
        return [row[: int(n)] for row, n in zip(best, mask.sum(1).tolist())]
