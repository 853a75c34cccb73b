"""Sense-labelled usage examples from WordNet 3.0 (Debian package wordnet-base).

A synset's gloss quotes usage examples (``| definition; "example one"; "example two"``), and each
example uses one of the synset's words in that sense. For every noun and verb synset, each quoted
example is tokenized like the other English corpora and searched for a single-word lemma of the
synset, inflected or not (WordNet's exception lists, then its suffix rules). An example where
none is found is left out. The sense is the lemma's WordNet sense number (senses are ordered by
frequency in ``index.noun`` / ``index.verb``).

Written as ``<split>.tsv``: ``LEMMA.POS.NN@I<TAB>tokens``, where ``tokens[I]`` is the word used in
sense ``NN`` of ``LEMMA`` with part of speech ``POS`` (``n`` or ``v``), e.g.
``play.v.03@2<TAB>they played baseball ...``; plus the sentences in ``<split>.txt``.

Split by lemma: a lemma whose examples cover fewer than two of its senses goes to train (no word
sense to tell apart); of the others, in alphabetical order, every fourth goes to dev and the rest
to test. Every example of a lemma is in one split.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from elmo.corpora.archives import read_member, read_members
from elmo.corpora.download import Artifact
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.tokenize import ENGLISH, english_tokens
from elmo.corpora.writer import CorpusWriter

ARTIFACT = Artifact("apt", "wordnet-base=1:3.0-37", "wordnet-base_1%3a3.0-37_all.deb",
                    "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752")
POS = ("n", "v")
NAMES = {"n": "noun", "v": "verb"}
FILES = tuple(f"usr/share/wordnet/{kind}.{NAMES[pos]}" for pos in POS
              for kind in ("data", "index")) + tuple(
              f"usr/share/wordnet/{NAMES[pos]}.exc" for pos in POS)
COPYRIGHT = "usr/share/doc/wordnet-base/copyright"
# WordNet's detachment rules: (suffix of the inflected form, ending of the base form).
SUFFIXES = {
    "n": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
          ("ing", "e"), ("ing", "")),
}
_QUOTED = re.compile(r'"([^"]+)"')


def base_forms(word: str, pos: str, exceptions: dict[str, set[str]]) -> set[str]:
    """Lemmas that ``word`` (any case) may be an inflection of: itself, its entries in the
    exception list, and the results of the suffix rules (also with a doubled final consonant
    undone, as in ``stopped`` -> ``stop``)."""
    word = word.lower()
    forms = {word} | exceptions.get(word, set())
    for suffix, ending in SUFFIXES[pos]:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)]
            forms.add(stem + ending)
            if not ending and len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "aeiou":
                forms.add(stem[:-1])
    return forms


def read_exceptions(text: str) -> dict[str, set[str]]:
    """An exception list (``inflected base [base...]`` per line) as inflected -> bases."""
    table: dict[str, set[str]] = defaultdict(set)
    for line in text.splitlines():
        inflected, *bases = line.split()
        table[inflected].update(bases)
    return table


def sense_numbers(index_text: str) -> dict[tuple[str, str], int]:
    """(lemma, synset offset) -> the lemma's 1-based sense number, from an ``index.*`` file:
    ``lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offset...``."""
    numbers = {}
    for line in index_text.splitlines():
        if line.startswith(" "):  # the licence header
            continue
        fields = line.split()
        pointers = int(fields[3])
        offsets = fields[6 + pointers:]
        for number, offset in enumerate(offsets, start=1):
            numbers[(fields[0], offset)] = number
    return numbers


def synsets(data_text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """(offset, lowercased single-word lemmas, quoted examples) of each synset of a ``data.*``
    file: ``offset lex_filenum ss_type w_cnt word lex_id ... | gloss``."""
    for line in data_text.splitlines():
        if line.startswith(" ") or " | " not in line:
            continue
        fields, gloss = line.split(" | ", 1)
        fields = fields.split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i].lower() for i in range(count)]
        lemmas = [word for word in words if "_" not in word and "." not in word]
        yield fields[0], lemmas, _QUOTED.findall(gloss)


def sense_examples(data_text: str, index_text: str, exceptions_text: str, pos: str,
                   ) -> Iterator[tuple[str, int, int, list[str]]]:
    """(lemma, sense number, target position, tokens) for each usage example of one part of
    speech in which a lemma of its synset is found (the synset's lemmas tried in order, the
    first matching token taken)."""
    numbers = sense_numbers(index_text)
    exceptions = read_exceptions(exceptions_text)
    for offset, lemmas, examples in synsets(data_text):
        for example in examples:
            tokens = english_tokens(example)
            found = _find_lemma(tokens, lemmas, pos, exceptions)
            if found is not None and (found[0], offset) in numbers:
                yield found[0], numbers[(found[0], offset)], found[1], tokens


def _find_lemma(tokens: Sequence[str], lemmas: Sequence[str], pos: str,
                exceptions: dict[str, set[str]]) -> tuple[str, int] | None:
    bases = [base_forms(token, pos, exceptions) for token in tokens]
    for lemma in lemmas:
        for position, forms in enumerate(bases):
            if lemma in forms:
                return lemma, position
    return None


def convert_texts(texts: dict[str, str], writer: CorpusWriter) -> None:
    """Write the sense-labelled examples of the data, index and exception files (``texts`` maps
    each name of :data:`FILES` to its content), split by lemma."""
    by_lemma: dict[tuple[str, str], list[tuple[int, int, list[str]]]] = defaultdict(list)
    for pos in POS:
        name = NAMES[pos]
        for lemma, sense, position, tokens in sense_examples(
                texts[f"usr/share/wordnet/data.{name}"], texts[f"usr/share/wordnet/index.{name}"],
                texts[f"usr/share/wordnet/{name}.exc"], pos):
            by_lemma[(lemma, pos)].append((sense, position, tokens))
    polysemous = 0
    for (lemma, pos), examples in sorted(by_lemma.items()):
        if len({sense for sense, _, _ in examples}) < 2:
            split = "train"
        else:
            split = "dev" if polysemous % 4 == 0 else "test"
            polysemous += 1
        for sense, position, tokens in examples:
            writer.sentence(split, tokens)
            writer.labelled_text(split, f"{lemma}.{pos}.{sense:02d}@{position}", tokens)


def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
    """Convert the noun and verb files of the Debian package."""
    contents = read_members(archives[0], FILES)
    convert_texts({name: data.decode("utf-8", errors="replace") for name, data in contents.items()},
                  writer)


def notice(archives: Sequence[Path]) -> str:
    text = read_member(archives[0], COPYRIGHT).decode("utf-8", errors="replace").strip()
    return ("Usage examples from WordNet 3.0, Debian package wordnet-base 1:3.0-37 "
            f"(apt-get download), whose copyright file follows.\n\n{text}\n")


CORPUS = CorpusSpec(
    name="wordnet", language="en",
    description="WordNet 3.0 gloss examples, labelled with the sense of a noun or verb",
    licence="WordNet 3.0 licence (BSD-like)", size="1.46M tokens in glosses",
    version="WordNet 3.0 (wordnet-base 1:3.0-37)",
    source=f"apt-get download {ARTIFACT.spec}: {', '.join(FILES)}",
    artifacts=(ARTIFACT,), convert=convert, notice=notice, tokenizer=ENGLISH,
    split="by lemma: lemmas with examples of fewer than 2 senses are train; the others, in "
          "alphabetical order of (lemma, pos), go to dev if their rank % 4 == 0, else test")
