"""A task model's token representation: its own word vectors, optionally concatenated with ELMo."""
from __future__ import annotations

import torch
from torch import nn

from elmo.modules.scalar_mix import LayerMix


class TokenInput(nn.Module):
    """``[word vector; ELMo mix]`` per token, plus an optional second mix for the encoder's output.

    Args:
        vocab_size, word_dim: the task's own embedding table (index 0 is padding, 1 unknown).
        elmo_layers, elmo_dim: L + 1 and the width of each biLM layer; 0 for no ELMo.
        elmo_mix, elmo_dropout, elmo_at_output: see :class:`LayerMix`; ``elmo_at_output`` adds
            a second, independent mix returned for concatenation with the encoder's output.
        dropout: on the word vectors.
        pretrained: (vocab_size, word_dim) initial vectors (e.g. word2vec); random if None.
        freeze: keep the word vectors fixed.

    Inputs: token_ids (B, T) long, mask (B, T) bool, layers (elmo_layers, B, T, elmo_dim) or None.
    Outputs: (B, T, word_dim + elmo_dim) and the output-side mix (B, T, elmo_dim) or None.
    """

    def __init__(self, vocab_size: int, word_dim: int, elmo_layers: int = 0, elmo_dim: int = 0,
                 elmo_mix: str = "learned", elmo_dropout: float = 0.5, elmo_at_output: bool = False,
                 dropout: float = 0.5, pretrained: torch.Tensor | None = None,
                 freeze: bool = False) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, word_dim, padding_idx=0)
        if pretrained is not None:
            self.embedding.weight.data.copy_(pretrained)
        self.embedding.weight.requires_grad_(not freeze)
        self.dropout = nn.Dropout(dropout)
        self.elmo_dim = elmo_dim
        self.elmo_at_output = elmo_at_output and elmo_dim > 0
        self.elmo = LayerMix(elmo_layers, 1 + self.elmo_at_output, elmo_mix, elmo_dropout) \
            if elmo_dim else None

    @property
    def output_dim(self) -> int:
        return self.embedding.embedding_dim + self.elmo_dim

    def l2_penalty(self) -> torch.Tensor:
        return self.elmo.l2_penalty() if self.elmo is not None else torch.zeros(())

    def forward(self, token_ids: torch.Tensor, mask: torch.Tensor, layers: torch.Tensor | None,
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        words = self.dropout(self.embedding(token_ids))
        if self.elmo is None:
            return words, None
        if layers is None:
            raise ValueError("this model reads ELMo layers: pass them")
        mixes = self.elmo(layers, mask)
        return torch.cat([words, mixes[0]], dim=-1), (mixes[1] if self.elmo_at_output else None)
