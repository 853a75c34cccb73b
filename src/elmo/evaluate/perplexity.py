"""Exact held-out perplexity of both language models, with the full softmax distribution."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from elmo.data.batching import evaluation_batches
from elmo.data.chars import CodepointVocabulary
from elmo.data.vocab import Vocabulary
from elmo.errors import ModelFileError
from elmo.interop.model_folder import ModelFolder
from elmo.modules.bilm_with_softmax import BiLMWithSoftmax


@dataclass(frozen=True)
class Perplexity:
    """Per-direction perplexities; ``average`` is exp of the mean of the two per-token losses."""

    forward: float
    backward: float
    average: float
    tokens: int  # predictions per direction (words and end-of-sentence markers)


def perplexity(model: BiLMWithSoftmax, vocab: Vocabulary, shards: Sequence[Path], batch_size: int = 32,
               unroll_steps: int = 20, progress: bool = True,
               characters: CodepointVocabulary | None = None) -> Perplexity:
    """Every token of the held-out text predicted once per direction, LSTM states carried across
    windows as in training; out-of-vocabulary targets count as ``<UNK>``. ``characters``: a
    code-point model's character vocabulary."""
    model.eval()
    device = next(model.parameters()).device
    losses, tokens, state = [0.0, 0.0], 0, None
    with torch.inference_mode():
        batches = evaluation_batches(shards, vocab, batch_size, unroll_steps,
                                     model.bilm.config.max_characters, characters)
        for batch in tqdm(batches, unit="batch", disable=not progress, desc="perplexity"):
            arrays = [torch.from_numpy(a).to(device)
                      for a in (batch.char_ids, batch.word_ids, batch.targets)]
            mask = torch.from_numpy(batch.mask).to(device)
            output = model(arrays[0].long(), arrays[1], arrays[2], mask, state, exact=True)
            losses[0] += float(output.forward_loss)
            losses[1] += float(output.backward_loss)
            tokens += output.n_tokens
            state = output.state
    if tokens == 0:
        raise ValueError("the held-out text has no tokens")
    forward, backward = (loss / tokens for loss in losses)
    return Perplexity(math.exp(forward), math.exp(backward), math.exp((forward + backward) / 2), tokens)


def folder_perplexity(folder: ModelFolder, shards: Sequence[Path], batch_size: int = 32,
                      unroll_steps: int = 20, progress: bool = True) -> Perplexity:
    """:func:`perplexity` of a model folder's biLM and softmax (on a GPU when there is one), with
    its vocabulary and, for a code-point model, its characters.

    Raises:
        ModelFileError: the folder has no softmax (the original HDF5 format has none).
    """
    if folder.softmax is None or folder.vocabulary is None:
        raise ModelFileError("the model has no softmax (the original HDF5 format has none, only "
                             "folders written by `elmo train` do), so its perplexity is undefined")
    model = BiLMWithSoftmax(folder.bilm, folder.softmax)
    model.to("cuda" if torch.cuda.is_available() else "cpu")
    characters = CodepointVocabulary(folder.characters) if folder.characters is not None else None
    return perplexity(model, Vocabulary(folder.vocabulary), shards, batch_size, unroll_steps,
                      progress, characters)
