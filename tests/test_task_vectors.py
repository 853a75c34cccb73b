"""Task vocabularies and the word2vec baseline's vectors."""
from __future__ import annotations

import numpy as np
import pytest

from elmo.errors import InputError
from elmo.tasks.vocab import TokenVocab
from elmo.tasks.word2vec import word2vec_vectors


def test_vocab_keeps_frequent_tokens_then_extra_ones_and_maps_unknown_to_one():
    vocab = TokenVocab.from_sentences([["a", "b", "a"], ["c"]], min_count=2, extra=["z", "a"])
    assert vocab.tokens == ["<pad>", "<unk>", "a", "z"]
    assert vocab.encode(["a", "b", "z"]).tolist() == [2, 1, 3]


def test_pretrained_vectors_fill_known_tokens_and_zero_padding():
    vocab = TokenVocab(["a", "b"])
    table = vocab.vectors_from({"b": np.full(3, 7.0, np.float32)}, dim=3)
    assert table.shape == (4, 3)
    assert table[0].abs().sum() == 0 and table[3].tolist() == [7.0, 7.0, 7.0]


def test_word2vec_is_trained_once_and_cached(tmp_path):
    corpus = tmp_path / "text.txt"
    corpus.write_text("我 们 喜 欢 北 京\n他 们 喜 欢 上 海\n" * 20, encoding="utf-8")
    vectors = word2vec_vectors([str(corpus)], dim=8, epochs=2, min_count=1, cache=tmp_path / "cache")
    assert set(vectors) == set("我们喜欢北京他上海") and vectors["们"].shape == (8,)
    stored = list((tmp_path / "cache" / "features" / "word2vec").glob("*.npz"))
    assert len(stored) == 1
    again = word2vec_vectors([str(corpus)], dim=8, epochs=2, min_count=1, cache=tmp_path / "cache")
    assert np.array_equal(again["们"], vectors["们"])


def test_word2vec_without_files_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no files match"):
        word2vec_vectors([str(tmp_path / "*.txt")], dim=8)
