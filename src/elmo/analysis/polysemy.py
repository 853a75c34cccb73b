"""How similar one word's vectors are across two contexts, layer by layer."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from elmo.embed.model import ElmoModel
from elmo.errors import InputError


@dataclass(frozen=True)
class ContextPair:
    """A word in two tokenized sentences, and whether it has the same sense in both."""

    word: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    same_sense: bool

    @property
    def language(self) -> str:
        return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in self.word) else "en"


DEMO_PAIRS = (
    ContextPair("play", tuple("I like to play chess with my brother .".split()),
                tuple("The children play football every Sunday .".split()), True),
    ContextPair("play", tuple("I like to play chess with my brother .".split()),
                tuple("We saw a new play at the theatre last night .".split()), False),
    ContextPair("bank", tuple("She deposited the money at the bank .".split()),
                tuple("The bank approved his loan yesterday .".split()), True),
    ContextPair("bank", tuple("She deposited the money at the bank .".split()),
                tuple("They had a picnic on the river bank .".split()), False),
    ContextPair("苹果", ("我", "每天", "吃", "一个", "苹果", "。"), ("这个", "苹果", "又", "红", "又", "甜", "。"),
                True),
    ContextPair("苹果", ("我", "每天", "吃", "一个", "苹果", "。"), ("苹果", "公司", "发布", "了", "新", "手机", "。"),
                False),
    ContextPair("包袱", ("他", "背着", "一个", "沉重", "的", "包袱", "走", "了", "很", "远", "。"),
                ("她", "把", "衣服", "放进", "包袱", "里", "。"), True),
    ContextPair("包袱", ("他", "背着", "一个", "沉重", "的", "包袱", "走", "了", "很", "远", "。"),
                ("相声", "演员", "抖", "了", "一个", "包袱", "，", "观众", "大笑", "。"), False),
)


def layer_similarities(model: ElmoModel, pair: ContextPair) -> np.ndarray:
    """Cosine similarity of the word's vectors in the two sentences: (L + 1,) layer 0 first.

    Uses the word's first occurrence in each sentence.
    """
    for sentence in (pair.first, pair.second):
        if pair.word not in sentence:
            raise InputError(f"'{pair.word}' does not occur in: {' '.join(sentence)}")
    first, second = model.embed([list(pair.first), list(pair.second)])
    a = first[:, pair.first.index(pair.word)]  # (L + 1, D)
    b = second[:, pair.second.index(pair.word)]
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-12)


def similarity_table(models: dict[str, ElmoModel], pairs=DEMO_PAIRS) -> str:
    """A readable table of per-layer cosine similarities for each pair, each pair embedded by the
    model of its language (``models`` maps "en"/"zh" to a model)."""
    n_layers = max(model.n_representations for model in models.values())
    header = f"{'word':<6} {'sense':<10}" + "".join(f" {'layer ' + str(k):>8}" for k in range(n_layers))
    lines = [header, "-" * len(header)]
    for pair in pairs:
        values = layer_similarities(models[pair.language], pair)
        sense = "same" if pair.same_sense else "different"
        lines.append(f"{_padded(pair.word, 6)} {sense:<10}" + "".join(f" {v:8.3f}" for v in values))
        lines.append(f"{'':<6}   a: {' '.join(pair.first)}")
        lines.append(f"{'':<6}   b: {' '.join(pair.second)}")
    return "\n".join(lines)


def _padded(text: str, width: int) -> str:
    """Left-justify counting East Asian wide characters as two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)
