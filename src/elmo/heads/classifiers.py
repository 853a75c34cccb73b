"""Sentence classifiers over a token input: TextCNN, TextRNN (BiLSTM + max pooling), TextRCNN."""
from __future__ import annotations

import torch
from torch import nn

from elmo.heads.taggers import BiLSTMEncoder
from elmo.heads.token_input import TaskInputs, TokenInput

ENCODERS = ("textcnn", "textrnn", "textrcnn")


def masked_max(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Max over real positions: (B, T, D), (B, T) -> (B, D)."""
    return values.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values


class TextCNN(nn.Module):
    """Convolutions of several widths, ReLU, max over time (Kim, 2014): (B, T, in) -> (B, out)."""

    def __init__(self, input_dim: int, filters: int = 100, widths: tuple[int, ...] = (2, 3, 4)) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(input_dim, filters, w, padding=w // 2) for w in widths)
        self.output_dim = filters * len(widths)

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = inputs.masked_fill(~mask.unsqueeze(-1), 0.0).transpose(1, 2)  # (B, in, T), padding zeroed
        length = inputs.shape[1]
        return torch.cat([masked_max(torch.relu(conv(x))[:, :, :length].transpose(1, 2), mask)
                          for conv in self.convs], dim=-1)


class TextRNN(nn.Module):
    """BiLSTM, then max pooling over time: (B, T, in) -> (B, 2 * hidden)."""

    def __init__(self, input_dim: int, hidden: int = 128) -> None:
        super().__init__()
        self.encoder = BiLSTMEncoder(input_dim, hidden)
        self.output_dim = self.encoder.output_dim

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return masked_max(self.encoder(inputs, mask), mask)


class TextRCNN(nn.Module):
    """Recurrent CNN (Lai et al., 2015): each token's BiLSTM context concatenated with the token,
    a tanh projection, max over time: (B, T, in) -> (B, hidden)."""

    def __init__(self, input_dim: int, hidden: int = 128) -> None:
        super().__init__()
        self.encoder = BiLSTMEncoder(input_dim, hidden)
        self.project = nn.Linear(input_dim + self.encoder.output_dim, hidden)
        self.output_dim = hidden

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        context = torch.cat([self.encoder(inputs, mask), inputs], dim=-1)
        return masked_max(torch.tanh(self.project(context)), mask)


class SentenceClassifier(nn.Module):
    """Token input (word vectors [+ ELMo]) -> encoder -> pooled vector [+ pooled ELMo] -> classes.

    The output-side ELMo mix, when asked for, is max-pooled and concatenated with the encoder's
    pooled vector.

    Inputs: a :class:`TaskInputs`; labels (B,).
    """

    def __init__(self, token_input: TokenInput, n_classes: int, encoder: str = "textrnn",
                 hidden: int = 128, dropout: float = 0.5) -> None:
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, found {encoder!r}")
        self.input = token_input
        dim = token_input.output_dim
        self.encoder = TextCNN(dim, hidden) if encoder == "textcnn" else \
            TextRNN(dim, hidden) if encoder == "textrnn" else TextRCNN(dim, hidden)
        extra = token_input.elmo_dim if token_input.elmo_at_output else 0
        self.dropout = nn.Dropout(dropout)
        self.scores = nn.Linear(self.encoder.output_dim + extra, n_classes)

    def logits(self, inputs: TaskInputs) -> torch.Tensor:
        """Class scores: (B, n_classes)."""
        features, elmo_out = self.input(inputs)
        pooled = self.encoder(features, inputs.mask)
        if elmo_out is not None:
            pooled = torch.cat([pooled, masked_max(elmo_out, inputs.mask)], dim=-1)
        return self.scores(self.dropout(pooled))

    def loss(self, inputs: TaskInputs, labels: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(self.logits(inputs), labels)

    def predict(self, inputs: TaskInputs) -> list[int]:
        return self.logits(inputs).argmax(-1).tolist()
