"""Context-free token vectors (layer 0): character CNN, word embedding, or both fused."""
from __future__ import annotations

import torch
from torch import nn

from elmo.config import BiLMConfig
from elmo.modules.char_cnn import CharacterCNN, Highway
from elmo.modules.char_ids import pad_id


class TokenEncoder(nn.Module):
    """Layer-0 vector of a token, which depends on the token alone.

    - ``"char"``: character CNN -> highway layers -> linear projection (the original ELMo);
    - ``"word"``: a vector per vocabulary id, of width ``projection_dim``;
    - ``"both"``: [CNN output; word vector] -> highway layers -> linear projection.

    Inputs: char_ids (N, max_characters) int64, word_ids (N,) int64 or None for ``"char"``.
    Output: (N, projection_dim).
    """

    def __init__(self, config: BiLMConfig) -> None:
        super().__init__()
        cnn, word = config.char_cnn, config.word_embedding
        self.cnn = (CharacterCNN(cnn.n_characters, cnn.embedding_dim, cnn.filters,
                                 cnn.max_characters_per_token, cnn.activation, pad_id(cnn.characters))
                    if cnn is not None else None)
        self.word_embedding = nn.Embedding(word.vocab_size, word.dim) if word is not None else None
        self.highway = self.projection = None
        if cnn is not None:
            self.highway = Highway(self.cnn.output_dim, cnn.n_highway)
            width = self.cnn.output_dim + (word.dim if word is not None else 0)
            self.projection = nn.Linear(width, config.lstm.projection_dim)
        self.output_dim = config.lstm.projection_dim
        self.max_characters = config.max_characters
        self.uses_words = word is not None

    def forward(self, char_ids: torch.Tensor, word_ids: torch.Tensor | None = None) -> torch.Tensor:
        if self.uses_words and word_ids is None:
            raise ValueError("this model reads word ids: pass word_ids")
        if self.cnn is None:
            return self.word_embedding(word_ids)
        features = self.highway(self.cnn(char_ids))
        if self.uses_words:
            features = torch.cat([self.word_embedding(word_ids), features], dim=-1)
        return self.projection(features)
