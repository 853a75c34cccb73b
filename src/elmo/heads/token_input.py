"""A task model's token representation: its own token vectors (and, for characters, bigram
vectors and lexicon features), optionally concatenated with ELMo."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from elmo.modules.scalar_mix import LayerMix


@dataclass
class TaskInputs:
    """What a task model reads for a batch of B sentences padded to T tokens.

    token_ids (B, T) long (0 padding, 1 unknown); mask (B, T) bool; layers (L + 1, B, T, D) ELMo
    layers or None; bigram_ids (B, T, 2) long, the ids of the character bigrams ending and
    starting at each position, or None; lexicon (B, T, F) float lexicon features or None.
    """

    token_ids: torch.Tensor
    mask: torch.Tensor
    layers: torch.Tensor | None = None
    bigram_ids: torch.Tensor | None = None
    lexicon: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> TaskInputs:
        """The same inputs on ``device``."""
        move = lambda tensor: None if tensor is None else tensor.to(device, non_blocking=True)
        return TaskInputs(*(move(getattr(self, name)) for name in
                            ("token_ids", "mask", "layers", "bigram_ids", "lexicon")))


class TokenInput(nn.Module):
    """``[token vector; bigram vectors; lexicon features; ELMo mix]`` per token, plus an optional
    second ELMo mix for the encoder's output.

    Args:
        vocab_size, word_dim: the task's own embedding table (index 0 is padding, 1 unknown).
        elmo_layers, elmo_dim: L + 1 and the width of each biLM layer; 0 for no ELMo.
        elmo_mix, elmo_dropout, elmo_at_output: see :class:`LayerMix`; ``elmo_at_output`` adds
            a second, independent mix returned for concatenation with the encoder's output.
        dropout: on the token and bigram vectors.
        pretrained: (vocab_size, word_dim) initial vectors (e.g. word2vec); random if None.
        freeze: keep the token vectors fixed.
        bigram_vocab_size, bigram_dim: a table of character-bigram vectors (0: none); each
            position gets the vectors of the bigrams ending and starting there.
        lexicon_dim: width of the lexicon features (0: none).
        pretrained_bigrams, freeze_bigrams: as ``pretrained`` and ``freeze``, for the bigrams.
        trained_bigram_rows, trained_bigram_dim: a second bigram table (0: none) of the first
            rows of the bigram vocabulary (the training split's bigrams); other bigrams read its
            unknown row (1) there.

    Inputs: a :class:`TaskInputs`.
    Outputs: (B, T, output_dim) and the output-side mix (B, T, elmo_dim) or None.
    """

    def __init__(self, vocab_size: int, word_dim: int, elmo_layers: int = 0, elmo_dim: int = 0,
                 elmo_mix: str = "learned", elmo_dropout: float = 0.5, elmo_at_output: bool = False,
                 dropout: float = 0.5, pretrained: torch.Tensor | None = None,
                 freeze: bool = False, bigram_vocab_size: int = 0, bigram_dim: int = 0,
                 lexicon_dim: int = 0, pretrained_bigrams: torch.Tensor | None = None,
                 freeze_bigrams: bool = False, trained_bigram_rows: int = 0,
                 trained_bigram_dim: int = 0) -> None:
        super().__init__()
        self.embedding = _table(vocab_size, word_dim, pretrained, freeze)
        self.bigrams = (_table(bigram_vocab_size, bigram_dim, pretrained_bigrams, freeze_bigrams)
                        if bigram_dim else None)
        self.trained_bigrams = (_table(trained_bigram_rows, trained_bigram_dim, None, False)
                                if trained_bigram_dim else None)
        self.lexicon_dim = lexicon_dim
        self.dropout = nn.Dropout(dropout)
        self.elmo_dim = elmo_dim
        self.elmo_at_output = elmo_at_output and elmo_dim > 0
        self.elmo = LayerMix(elmo_layers, 1 + self.elmo_at_output, elmo_mix, elmo_dropout) \
            if elmo_dim else None

    @property
    def output_dim(self) -> int:
        bigrams = sum(2 * table.embedding_dim for table in self._bigram_tables())
        return self.embedding.embedding_dim + bigrams + self.lexicon_dim + self.elmo_dim

    def sparse_parameters(self) -> list[nn.Parameter]:
        """The embedding tables, whose gradients are sparse (for ``torch.optim.SparseAdam``)."""
        tables = [self.embedding, *self._bigram_tables()]
        return [table.weight for table in tables if table.weight.requires_grad]

    def _bigram_tables(self) -> list[nn.Embedding]:
        return [table for table in (self.bigrams, self.trained_bigrams) if table is not None]

    def l2_penalty(self) -> torch.Tensor:
        return self.elmo.l2_penalty() if self.elmo is not None else torch.zeros(())

    def forward(self, inputs: TaskInputs) -> tuple[torch.Tensor, torch.Tensor | None]:
        parts = [self.dropout(self.embedding(inputs.token_ids))]
        if self.bigrams is not None:
            if inputs.bigram_ids is None:
                raise ValueError("this model reads character bigrams: pass bigram_ids")
            parts.append(self.dropout(self.bigrams(inputs.bigram_ids).flatten(2)))
            if self.trained_bigrams is not None:
                rows = self.trained_bigrams.num_embeddings
                known = torch.where(inputs.bigram_ids < rows, inputs.bigram_ids, 1)
                parts.append(self.dropout(self.trained_bigrams(known).flatten(2)))
        if self.lexicon_dim:
            if inputs.lexicon is None:
                raise ValueError("this model reads lexicon features: pass them")
            parts.append(inputs.lexicon)
        if self.elmo is None:
            return torch.cat(parts, dim=-1), None
        if inputs.layers is None:
            raise ValueError("this model reads ELMo layers: pass them")
        mixes = self.elmo(inputs.layers, inputs.mask)
        return (torch.cat([*parts, mixes[0]], dim=-1),
                mixes[1] if self.elmo_at_output else None)


def _table(rows: int, dim: int, initial: torch.Tensor | None, freeze: bool) -> nn.Embedding:
    """A (rows, dim) embedding table, row 0 padding, with sparse gradients (a step touches only
    the rows of a batch's tokens, see ``sparse_parameters``); ``initial`` vectors or random."""
    table = nn.Embedding(rows, dim, padding_idx=0, sparse=True)
    if initial is not None:
        table.weight.data.copy_(initial)
    table.weight.requires_grad_(not freeze)
    return table
