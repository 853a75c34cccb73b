"""The raw-text word-candidate measurement (benchmarks/word_candidates.py) on a synthetic text."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "word_candidates", Path(__file__).resolve().parent.parent / "benchmarks" / "word_candidates.py")
word_candidates = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(word_candidates)


def test_a_word_seen_in_four_contexts_holds_together_and_is_free_at_both_ends():
    text = "。".join(["我天安门甲", "你天安门乙", "他天安门丙", "她天安门丁"] * 50)
    ids, alphabet = word_candidates.character_ids(text)
    found = {word: (count, pmi, entropy) for word, count, pmi, entropy
             in word_candidates.candidates(ids, alphabet, min_count=5)}
    count, pmi, entropy = found["天安门"]
    assert count == 200 and pmi == pytest.approx(math.log(5))  # p(天安门) / (p(天) p(安门)), 1,000 CJK chars
    assert entropy == pytest.approx(math.log(4))  # 4 neighbours on each side, equally often
    assert found["我天"][2] == pytest.approx(0.0, abs=1e-9)  # always after a boundary, always before 安: bound on the right
