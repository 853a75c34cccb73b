"""BiLSTM sequence tagger with a CRF or per-token softmax output."""
from __future__ import annotations

import torch
from torch import nn

from elmo.heads.crf import CRF
from elmo.heads.token_input import TaskInputs, TokenInput


def reverse_within_lengths(values: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first ``lengths[b]`` positions in reverse order, padding left in place:
    (B, T, D) -> (B, T, D). Applying it twice gives back the input."""
    positions = torch.arange(values.shape[1], device=values.device).expand(values.shape[0], -1)
    lengths = lengths.unsqueeze(1)
    index = torch.where(positions < lengths, lengths - 1 - positions, positions)
    return values.gather(1, index.unsqueeze(-1).expand_as(values))


class BiLSTMEncoder(nn.Module):
    """A bidirectional LSTM over padded batches: (B, T, input_dim) -> (B, T, 2 * hidden), zero at padding.

    The backward direction reads each row reversed within its length, so both directions run on
    padded tensors (on CPU several times faster to train than packed sequences, whose per-step
    slices cost a full-size gradient each in the backward pass). Layer k > 0 reads both
    directions of layer k - 1.
    """

    def __init__(self, input_dim: int, hidden: int, n_layers: int = 1) -> None:
        super().__init__()
        dims = [input_dim] + [2 * hidden] * (n_layers - 1)
        self.forward_lstms = nn.ModuleList(nn.LSTM(d, hidden, batch_first=True) for d in dims)
        self.backward_lstms = nn.ModuleList(nn.LSTM(d, hidden, batch_first=True) for d in dims)
        self.output_dim = 2 * hidden

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(1)
        output = inputs
        for forward_lstm, backward_lstm in zip(self.forward_lstms, self.backward_lstms):
            forward, _ = forward_lstm(output)
            backward, _ = backward_lstm(reverse_within_lengths(output, lengths))
            output = torch.cat([forward, reverse_within_lengths(backward, lengths)], dim=-1)
            output = output * mask.unsqueeze(-1).to(output.dtype)
        return output


class SequenceTagger(nn.Module):
    """Token input (word vectors [+ ELMo]) -> BiLSTM [+ ELMo] -> tag scores -> CRF or softmax.

    Args:
        token_input: the input representation (see :class:`TokenInput`).
        n_tags: number of tags.
        hidden: LSTM cells per direction.
        dropout: on the encoder's output.
        crf: decode with a linear-chain CRF (else independent per-token softmax).
        constraints: the CRF's allowed transitions (see :func:`elmo.heads.crf.bio_constraints`).

    Inputs: a :class:`TaskInputs`; tags (B, T).
    """

    def __init__(self, token_input: TokenInput, n_tags: int, hidden: int = 128, n_layers: int = 1,
                 dropout: float = 0.5, crf: bool = True,
                 constraints: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        super().__init__()
        self.input = token_input
        self.encoder = BiLSTMEncoder(token_input.output_dim, hidden, n_layers)
        self.dropout = nn.Dropout(dropout)
        output_dim = self.encoder.output_dim + (token_input.elmo_dim if token_input.elmo_at_output else 0)
        self.scores = nn.Linear(output_dim, n_tags)
        self.crf = CRF(n_tags, constraints) if crf else None

    def emissions(self, inputs: TaskInputs) -> torch.Tensor:
        """Per-token tag scores: (B, T, n_tags)."""
        features, elmo_out = self.input(inputs)
        encoded = self.encoder(features, inputs.mask)
        if elmo_out is not None:
            encoded = torch.cat([encoded, elmo_out], dim=-1)
        return self.scores(self.dropout(encoded))

    def loss(self, inputs: TaskInputs, tags: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per sentence (CRF) or cross-entropy per token (softmax)."""
        emissions = self.emissions(inputs)
        if self.crf is not None:
            return self.crf.neg_log_likelihood(emissions, tags, inputs.mask)
        return nn.functional.cross_entropy(emissions[inputs.mask], tags[inputs.mask])

    def predict(self, inputs: TaskInputs) -> list[list[int]]:
        """Best tag ids per sentence, cut to each sentence's length."""
        emissions = self.emissions(inputs)
        if self.crf is not None:
            return self.crf.decode(emissions, inputs.mask)
        best = emissions.argmax(-1).tolist()
        return [row[: int(n)] for row, n in zip(best, inputs.mask.sum(1).tolist())]
