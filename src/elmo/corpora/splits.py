"""Deterministic train/dev/test assignments, each a pure function of the data.

Where a source has no documented split, whole documents are assigned in a fixed order (sorted
file names or reading order): document ``i`` goes to test when ``i % 20 == 19``, to dev when
``i % 20 == 18``, else to train: 90/5/5 by documents, spread evenly over the source, and no
document is cut between two splits.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

SPLITS = ("train", "dev", "test")
BY_DOCUMENT = ("by document, in {order}: document i is test if i % 20 == 19, dev if i % 20 == 18, "
               "else train (90/5/5)")


def split_of_document(index: int) -> str:
    """The split of the ``index``-th document (0-based) in the fixed order: 90/5/5."""
    return "test" if index % 20 == 19 else "dev" if index % 20 == 18 else "train"


def split_tail(count: int, test: int, dev: int) -> list[str]:
    """Splits of ``count`` items in order: the last ``test`` are test, the ``dev`` before them
    dev, the rest train."""
    if test + dev > count:
        raise ValueError(f"cannot take {test} test and {dev} dev items from {count}")
    train = count - test - dev
    return ["train"] * train + ["dev"] * dev + ["test"] * test


def hash_order(texts: Sequence[str]) -> list[int]:
    """Indices of ``texts`` sorted by the sha256 of each text: an order that looks random but
    depends only on the texts themselves, not on their order in the source."""
    return sorted(range(len(texts)),
                  key=lambda i: (hashlib.sha256(texts[i].encode("utf-8")).hexdigest(), i))


def proportional_split(count: int, dev: float, test: float) -> list[str]:
    """Splits of ``count`` ordered items: the first ``1 - dev - test`` train, then dev, then test
    (sizes rounded down for dev and test)."""
    n_test, n_dev = int(count * test), int(count * dev)
    return ["train"] * (count - n_dev - n_test) + ["dev"] * n_dev + ["test"] * n_test
