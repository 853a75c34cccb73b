"""How similar one word's vectors are within a sense and across senses, layer by layer."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import combinations, product

import numpy as np

from elmo.embed.embedder import Embedder
from elmo.errors import InputError


@dataclass(frozen=True)
class SenseSet:
    """Tokenized sentences using ``word`` in each of two senses: ``senses`` maps a sense's name to
    its sentences (each a space-separated token string holding ``word``)."""

    word: str
    senses: dict[str, tuple[str, ...]]

    @property
    def language(self) -> str:
        return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in self.word) else "en"


DEMO_SETS = (
    SenseSet("play", {
        "game": ("I like to play chess with my brother .", "The children play football every Sunday .",
                 "They play cards after dinner ."),
        "theatre": ("We saw a new play at the theatre last night .", "The play was written by Shakespeare .",
                    "She had a small part in the school play ."),
    }),
    SenseSet("bank", {
        "money": ("She deposited the money at the bank .", "The bank approved his loan yesterday .",
                  "He works for a large bank in London ."),
        "river": ("They had a picnic on the river bank .", "The boat drifted towards the muddy bank .",
                  "Flowers grew along the bank of the stream ."),
    }),
    SenseSet("fine", {
        "all right": ("I feel fine today .", "The weather is fine this morning .", "Everything will be fine ."),
        "penalty": ("He had to pay a fine for speeding .", "The court imposed a heavy fine .",
                    "The fine was fifty dollars ."),
    }),
    SenseSet("苹果", {
        "fruit": ("我 每天 吃 一个 苹果 。", "这个 苹果 又 红 又 甜 。", "妈妈 买 了 一 斤 苹果 。"),
        "company": ("苹果 公司 发布 了 新 手机 。", "他 在 苹果 的 总部 工作 。", "苹果 的 股价 今天 上涨 了 。"),
    }),
    SenseSet("花", {
        "flower": ("公园 里 的 花 开 了 。", "她 送 我 一 束 花 。", "院子 里 种 满 了 花 。"),
        "spend": ("他 花 了 很多 钱 。", "我 花 了 三 天 时间 完成 。", "买 房子 要 花 不少 钱 。"),
    }),
    SenseSet("水平", {
        "level": ("他 的 英语 水平 很 高 。", "人民 生活 水平 不断 提高 。", "技术 水平 有 了 很 大 进步 。"),
        "horizontal": ("把 木板 放 成 水平 的 。", "桌面 要 保持 水平 。", "这 条 线 是 水平 的 。"),
    }),
    SenseSet("包袱", {
        "bundle": ("他 背着 一个 沉重 的 包袱 走 了 很 远 。", "她 把 衣服 放进 包袱 里 。",
                   "老人 打开 包袱 ， 拿出 一 件 棉袄 。"),
        "joke": ("相声 演员 抖 了 一个 包袱 ， 观众 大笑 。", "这个 包袱 抖 得 很 响 。",
                 "他 讲 笑话 时 总是 先 埋 好 包袱 。"),
    }),
)


def word_vectors(model: Embedder, word: str, sentences: tuple[str, ...]) -> np.ndarray:
    """The vectors of ``word``'s first occurrence in each sentence: (n_sentences, L + 1, D)."""
    tokenized = [sentence.split() for sentence in sentences]
    for tokens in tokenized:
        if word not in tokens:
            raise InputError(f"'{word}' does not occur in: {' '.join(tokens)}")
    layers = model.embed(tokenized)  # [(L + 1, n_tokens, D)]
    return np.stack([vectors[:, tokens.index(word)] for vectors, tokens in zip(layers, tokenized)])


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity along the last axis: (..., D), (..., D) -> (...)."""
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1) + 1e-12)


def sense_similarities(model: Embedder, sense_set: SenseSet) -> tuple[np.ndarray, np.ndarray]:
    """Mean cosine similarity per layer of the word's vectors over pairs of sentences in the same
    sense and over pairs in different senses: two (L + 1,) arrays."""
    groups = [word_vectors(model, sense_set.word, sentences) for sentences in sense_set.senses.values()]
    same = [cosine(x, y) for group in groups for x, y in combinations(group, 2)]
    different = [cosine(x, y) for first, second in combinations(groups, 2)
                 for x, y in product(first, second)]
    return np.mean(same, axis=0), np.mean(different, axis=0)


def similarity_table(models: dict[str, Embedder], sets=DEMO_SETS) -> str:
    """A readable table: for each word, the mean same-sense and different-sense similarity per
    layer, each word embedded by the model of its language (``models`` maps "en"/"zh" to a model)."""
    n_layers = max(model.n_representations for model in models.values())
    header = f"{'word':<6} {'pairs':<10}" + "".join(f" {'layer ' + str(k):>8}" for k in range(n_layers))
    lines = [header, "-" * len(header)]
    for sense_set in sets:
        same, different = sense_similarities(models[sense_set.language], sense_set)
        for label, values in (("same", same), ("different", different)):
            lines.append(f"{_padded(sense_set.word, 6)} {label:<10}" + "".join(f" {v:8.3f}" for v in values))
        for sense, sentences in sense_set.senses.items():
            lines.append(f"{'':<6}   {sense}: {' / '.join(sentences)}")
    return "\n".join(lines)


def _padded(text: str, width: int) -> str:
    """Left-justify counting East Asian wide characters as two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)
