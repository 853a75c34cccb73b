"""Task model construction from a config, and scoring of its predictions."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from elmo.heads.classifiers import SentenceClassifier
from elmo.heads.crf import bio_constraints
from elmo.heads.taggers import SequenceTagger
from elmo.heads.token_input import TokenInput
from elmo.tasks import metrics
from elmo.tasks.config import TaskConfig
from elmo.tasks.data import Example
from elmo.tasks.inputs import InputEncoder

MAIN_METRIC = {"seg-pos": "pos_f1", "ner": "entity_f1", "word-tags": "accuracy", "labels": "accuracy"}


def build_task_model(config: TaskConfig, encoder: InputEncoder, labels: Sequence[str],
                     elmo_layers: int = 0, elmo_dim: int = 0,
                     pretrained: torch.Tensor | None = None,
                     pretrained_bigrams: torch.Tensor | None = None) -> nn.Module:
    """A :class:`SequenceTagger` or :class:`SentenceClassifier` as the config describes.

    ``encoder``: the vocabularies and lexicon the inputs come from; ``labels``: the tags or
    classes (a tagger's CRF allows only valid BIO transitions); ``elmo_layers`` / ``elmo_dim``:
    L + 1 and the layer width of the biLM (0 without ELMo); ``pretrained`` /
    ``pretrained_bigrams``: initial token / bigram vectors (random if None).
    """
    bigrams = len(encoder.bigrams) if encoder.bigrams is not None else 0
    features = config.features
    token_input = TokenInput(
        len(encoder.vocab), config.embeddings.dim, elmo_layers, elmo_dim, elmo_mix=config.elmo.mix,
        elmo_dropout=config.elmo.dropout, elmo_at_output=config.elmo.at_output,
        dropout=config.embeddings.dropout, pretrained=pretrained, freeze=config.embeddings.freeze,
        bigram_vocab_size=bigrams, bigram_dim=features.bigram_dim if bigrams else 0,
        lexicon_dim=encoder.lexicon.width if encoder.lexicon is not None else 0,
        pretrained_bigrams=pretrained_bigrams, freeze_bigrams=features.bigram_freeze,
        trained_bigram_rows=encoder.bigrams.counted if bigrams else 0,
        trained_bigram_dim=features.bigram_trained_dim if bigrams else 0)
    if config.data.is_classification:
        return SentenceClassifier(token_input, len(labels), config.model.encoder,
                                  config.model.hidden, config.model.dropout)
    return SequenceTagger(token_input, len(labels), config.model.hidden, config.model.layers,
                          config.model.dropout, config.model.crf, bio_constraints(labels))


def score(data_format: str, examples: Sequence[Example], predicted: Sequence[Sequence[str]],
          known_words: set[str] | None = None) -> dict[str, float]:
    """All scores (in %) of ``predicted`` labels (per example: tags, or a one-item class tuple)."""
    gold = [e.labels for e in examples]
    scores = {"accuracy": metrics.accuracy(gold, predicted)}
    if data_format == "seg-pos":
        scores |= metrics.segmentation_scores(gold, predicted, [e.tokens for e in examples],
                                              known_words or set())
    elif data_format == "ner":
        scores |= metrics.entity_scores(gold, predicted)
    return scores
