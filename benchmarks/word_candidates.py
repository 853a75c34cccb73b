"""Could words found in raw text without labels help a tagger with new words? Measured before
training with them: how many PD1998 test words unseen in training a raw-text lexicon covers.

    python benchmarks/word_candidates.py [TEXT_GLOB ...]

TEXT_GLOB: default the text zh-small is built from (``elmo build-model zh-small`` writes it to
``~/.cache/elmo/builds/zh-small/mixed/``), read as characters (spaces dropped, so no segmenter's
decisions leak in). A candidate is a run of 2 to 4 CJK characters seen at least ``min count``
times that holds together (its weakest split has pointwise mutual information ``log p(w) /
(p(a) p(b))`` of at least ``PMI``) and is free at both ends (the entropy of the characters seen
before it, and of those seen after it, at least ``entropy`` nats; a text boundary or punctuation
counts as a neighbour seen once). Prints, per setting, how many
candidates there are, the share of them that are PD1998 training words, and the share of unseen
test words (2+ characters) they cover, overall and among those the zh-dictionary lacks.
"""
from __future__ import annotations

import argparse
import glob
import re
from pathlib import Path

import numpy as np

from elmo.corpora import cache_root, corpus_path
from elmo.tasks.data import read_examples
from elmo.tasks.metrics import word_spans

BITS = 12  # characters beyond the 4,095 most frequent CJK ones end a run, like punctuation
MAX_LENGTH = 4  # the (MAX_LENGTH + 1)-grams that give the neighbours must fit an int64 key
assert BITS * (MAX_LENGTH + 1) <= 63
EXAMPLES = ("搭乘", "赶路", "周遭", "绝活", "太空服", "影视部", "银行局", "同龄人")


def character_ids(text: str) -> tuple[np.ndarray, list[str]]:
    """(N,) int64 ids of the text's characters, 0 for anything that ends a run; id -> character."""
    counts: dict[str, int] = {}
    for char in re.findall(r"[\u4e00-\u9fff]", text):
        counts[char] = counts.get(char, 0) + 1
    alphabet = ["", *sorted(counts, key=counts.get, reverse=True)[: (1 << BITS) - 1]]
    table = np.zeros(0x110000, np.int64)
    table[[ord(c) for c in alphabet[1:]]] = np.arange(1, len(alphabet))
    return table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)], alphabet


def ngram_counts(ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys (characters packed ``BITS`` apiece) of the n-grams within runs, and counts."""
    size = len(ids) - n + 1
    keys, inside = np.zeros(size, np.int64), np.ones(size, bool)
    for k in range(n):
        column = ids[k: k + size]
        keys, inside = (keys << BITS) | column, inside & (column > 0)
    return np.unique(keys[inside], return_counts=True)


def lookup(table: tuple[np.ndarray, np.ndarray], keys: np.ndarray) -> np.ndarray:
    found, counts = table
    if not len(found):
        return np.zeros(len(keys), counts.dtype)
    at = np.minimum(np.searchsorted(found, keys), len(found) - 1)
    return np.where(found[at] == keys, counts[at], 0)


def neighbour_entropy(keys: np.ndarray, counts: np.ndarray, n: int,
                      longer: tuple[np.ndarray, np.ndarray], side: str) -> np.ndarray:
    """Entropy (nats) of the character after (``side="right"``) or before each n-gram (``keys``,
    seen ``counts`` times), from the (n+1)-gram counts; the occurrences no (n+1)-gram continues
    (a boundary follows) count as distinct neighbours, each seen once."""
    found, seen = longer
    stems = found >> BITS if side == "right" else found & ((1 << (BITS * n)) - 1)
    order = np.argsort(stems, kind="stable")
    stems, seen = stems[order], seen[order].astype(np.float64)
    weighted = np.concatenate([[0.0], np.cumsum(seen * np.log(seen))])
    lo, hi = np.searchsorted(stems, keys, "left"), np.searchsorted(stems, keys, "right")
    return np.log(counts) - (weighted[hi] - weighted[lo]) / counts


def candidates(ids: np.ndarray, alphabet: list[str], min_count: int) -> list[tuple[str, int, float, float]]:
    """(word, count, weakest-split PMI, smaller branching entropy) of every n-gram of
    2..``MAX_LENGTH`` characters seen ``min_count`` times."""
    tables = {n: ngram_counts(ids, n) for n in range(1, MAX_LENGTH + 2)}
    total = tables[1][1].sum()
    rows = []
    for n in range(2, MAX_LENGTH + 1):
        keys, counts = tables[n]
        keys, counts = keys[counts >= min_count], counts[counts >= min_count].astype(np.float64)
        pmi = np.full(len(keys), np.inf)
        for cut in range(1, n):
            low = BITS * (n - cut)
            pmi = np.minimum(pmi, np.log(counts * total / (lookup(tables[cut], keys >> low)
                                                           * lookup(tables[n - cut], keys & ((1 << low) - 1)))))
        entropy = np.minimum(neighbour_entropy(keys, counts, n, tables[n + 1], "left"),
                             neighbour_entropy(keys, counts, n, tables[n + 1], "right"))
        mask = (1 << BITS) - 1
        for key, count, cohesion, free in zip(keys.tolist(), counts, pmi, entropy):
            word = "".join(alphabet[(key >> (BITS * (n - 1 - j))) & mask] for j in range(n))
            rows.append((word, int(count), float(cohesion), float(free)))
    return rows


def pd1998_words(split: str) -> list[str]:
    return ["".join(example.tokens[start:end])
            for example in read_examples(corpus_path("pd1998", split, format="tagged"), "seg-pos")
            for start, end, _ in word_spans(example.labels)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", nargs="*", default=[str(cache_root() / "builds/zh-small/mixed/*.txt")])
    args = parser.parse_args()
    files = sorted(f for pattern in args.text for f in glob.glob(str(Path(pattern).expanduser())))
    if not files:
        raise SystemExit(f"no file matches {' '.join(args.text)}: `elmo build-model zh-small` writes the "
                         "text first (it may be stopped once builds/zh-small/mixed/ is there)")
    text = "".join(Path(f).read_text(encoding="utf-8") for f in files).replace(" ", "")
    ids, alphabet = character_ids(text)
    train = set(pd1998_words("train"))
    dictionary_file = cache_root() / "zh-dictionary" / "words.txt"
    dictionary = set(dictionary_file.read_text(encoding="utf-8").split()) if dictionary_file.is_file() else set()
    unseen = [w for w in pd1998_words("test") if w not in train and len(w) >= 2]
    beyond = [w for w in unseen if w not in dictionary]
    print(f"{len(text):,} characters; {len(unseen):,} unseen test words of 2+ characters, {len(beyond):,} "
          f"of them not in zh-dictionary ({len(dictionary):,} words)")
    print("in the text: " + ", ".join(f"{w} {text.count(w)}" for w in EXAMPLES))
    rows = candidates(ids, alphabet, min_count=5)
    print(f"{'min count':>9s} {'PMI':>4s} {'entropy':>7s} {'candidates':>10s} {'training words':>14s} "
          f"{'cover unseen':>12s} {'not in dictionary':>17s}")
    for min_count in (5, 10, 20):
        for cohesion in (1, 2, 3, 4):
            for free in (0.5, 1.0, 1.5, 2.0):
                kept = {w for w, count, pmi, entropy in rows
                        if count >= min_count and pmi >= cohesion and entropy >= free}
                share = sum(w in train for w in kept) / max(len(kept), 1)
                print(f"{min_count:9d} {cohesion:4d} {free:7.1f} {len(kept):10,d} {share:14.2f} "
                      f"{sum(w in kept for w in unseen) / len(unseen):12.3f} "
                      f"{sum(w in kept for w in beyond) / max(len(beyond), 1):17.3f}")


if __name__ == "__main__":
    main()
