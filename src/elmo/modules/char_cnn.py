"""Character CNN token encoder: character embeddings -> max-pooled convolutions -> highway."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

_BUCKET = 4  # tokens are grouped by length in steps of this many windows
_CHUNK_SCORES = 1 << 19  # window scores computed at once, so that pooling reads them from cache


class CharacterCNN(nn.Module):
    """Convolutions of several widths over a token's character embeddings, max-pooled over positions.

    Computes exactly what a convolution over all ``max_characters`` positions followed by a max over
    positions computes, but only over the windows that can differ: every window that lies entirely in
    the padding after end-of-word gives the same value, so one such window per token suffices. Tokens
    are grouped by length and all widths run as one matrix product (narrow filters zero-padded to
    the widest), which is what makes the encoder cheap for ordinary words.

    Args:
        n_characters: size of the character table (id 0 embeds to zeros).
        embedding_dim: width of a character embedding.
        filters: (width, count) per convolution.
        max_characters: characters per token, padding included.
        activation: ``"relu"`` or ``"tanh"``, applied after pooling.
        pad_id: the id of the padding character after a token's end.

    Shape:
        - Input: (N, max_characters) character ids, int64.
        - Output: (N, sum of counts).
    """

    def __init__(self, n_characters: int, embedding_dim: int, filters: tuple[tuple[int, int], ...],
                 max_characters: int, activation: str = "relu", pad_id: int = 261) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.char_embedding = nn.Embedding(n_characters, embedding_dim, padding_idx=0)
        self.convolutions = nn.ModuleList(nn.Conv1d(embedding_dim, count, width)
                                          for width, count in filters)
        self.widths = tuple(width for width, _ in filters)
        self.max_width = max(self.widths)
        self.max_characters = max_characters
        self.activation = torch.relu if activation == "relu" else torch.tanh

    @property
    def output_dim(self) -> int:
        return sum(conv.out_channels for conv in self.convolutions)

    def _fused_kernel(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All filters as one (total_count, embedding_dim * max_width) matrix, and their biases."""
        kernels = [F.pad(conv.weight, (0, self.max_width - conv.weight.shape[-1]))
                   for conv in self.convolutions]
        kernel = torch.cat(kernels).flatten(1)  # (F, D * W), laid out like unfold's (D, W) windows
        return kernel, torch.cat([conv.bias for conv in self.convolutions])

    def forward(self, char_ids: torch.Tensor) -> torch.Tensor:
        n_tokens = char_ids.shape[0]
        output = char_ids.new_empty(n_tokens, self.output_dim, dtype=self.char_embedding.weight.dtype)
        if n_tokens == 0:
            return output
        kernel, bias = self._fused_kernel()
        # Characters before the padding: begin-of-word, bytes, end-of-word (all of them if no padding).
        lengths = (char_ids != self.pad_id).sum(dim=1)
        # Windows per token: all that touch a real character plus one all-padding window.
        n_windows = torch.clamp((lengths + _BUCKET) // _BUCKET * _BUCKET, max=self.max_characters)
        order = torch.argsort(n_windows)
        sorted_windows = n_windows[order].tolist()
        start = 0
        while start < n_tokens:
            windows = sorted_windows[start]
            stop = start + sorted_windows.count(windows)
            step = max(1, _CHUNK_SCORES // (windows * kernel.shape[0]))
            for chunk in range(start, stop, step):
                rows = order[chunk: min(chunk + step, stop)]
                output[rows] = self._pooled(char_ids[rows], windows, kernel, bias).to(output.dtype)
            start = stop
        return self.activation(output)

    def _pooled(self, char_ids: torch.Tensor, n_windows: int, kernel: torch.Tensor,
                bias: torch.Tensor) -> torch.Tensor:
        """Max over the first ``n_windows`` window positions of every filter: (G, C) -> (G, F)."""
        span = n_windows + self.max_width - 1
        embedded = self.char_embedding(char_ids[:, : min(span, self.max_characters)])  # (G, L, D)
        # Past the token's last character only zero-padded filter taps reach, so zeros are safe.
        embedded = F.pad(embedded, (0, 0, 0, span - embedded.shape[1]))  # (G, span, D)
        windows = embedded.transpose(1, 2).unfold(2, self.max_width, 1)  # (G, D, n_windows, W)
        windows = windows.permute(0, 2, 1, 3).reshape(-1, kernel.shape[1])  # (G * n_windows, D * W)
        scores = F.linear(windows, kernel, bias).view(char_ids.shape[0], n_windows, -1)
        if n_windows + self.max_width - 1 <= self.max_characters:
            return scores.max(dim=1).values
        # Near the full length a narrow filter's last valid window starts at max_characters - width.
        pooled, column = [], 0
        for width, conv in zip(self.widths, self.convolutions):
            last = min(n_windows, self.max_characters - width + 1)
            pooled.append(scores[:, :last, column: column + conv.out_channels].max(dim=1).values)
            column += conv.out_channels
        return torch.cat(pooled, dim=1)


class Highway(nn.Module):
    """Highway layers with the original's gate convention.

    ``y = g * relu(x W_t + b_t) + (1 - g) * x`` with ``g = sigmoid(x W_c + b_c)``; the transform is
    always ReLU. Each layer holds one linear map producing [transform; carry] so it runs as one product.

    Shape: (N, dim) -> (N, dim).
    """

    def __init__(self, dim: int, n_layers: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(dim, 2 * dim) for _ in range(n_layers))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            transform, carry = layer(inputs).chunk(2, dim=-1)
            gate = torch.sigmoid(carry)
            inputs = gate * torch.relu(transform) + (1.0 - gate) * inputs
        return inputs
