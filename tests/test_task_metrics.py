"""Task data readers and metrics against hand-computed cases."""
from __future__ import annotations

import pytest

from elmo.errors import InputError
from elmo.tasks.data import char_tags, entity_char_tags, read_examples
from elmo.tasks.metrics import (
    accuracy,
    entity_scores,
    entity_spans,
    segmentation_scores,
    word_spans,
)


def test_char_tags_mark_word_starts_with_their_pos():
    assert char_tags([("中国", "ns"), ("人", "n")]) == ["B-ns", "I-ns", "B-n"]


def test_entity_tags_merge_adjacent_name_parts():
    words = [("江", "nr"), ("泽民", "nr"), ("在", "p"), ("北京", "ns")]
    assert entity_char_tags(words) == ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "I-LOC"]


def test_word_spans_read_b_and_i_tags():
    assert word_spans(["B-n", "I-n", "B-v", "I-v", "I-n"]) == [(0, 2, "n"), (2, 4, "v"), (4, 5, "n")]


def test_entity_spans_skip_outside_tags():
    assert entity_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC")]


def test_segmentation_scores_by_hand():
    # gold: 我们/r 喜欢/v 北京/ns ; predicted: 我们/r 喜/v 欢/v 北京/n
    chars = list("我们喜欢北京")
    gold = ["B-r", "I-r", "B-v", "I-v", "B-ns", "I-ns"]
    predicted = ["B-r", "I-r", "B-v", "B-v", "B-n", "I-n"]
    scores = segmentation_scores([gold], [predicted], [chars], known_words={"我们", "喜欢"})
    # 2 of 4 predicted words are right, 2 of 3 gold words are found
    assert scores["seg_precision"] == pytest.approx(50.0)
    assert scores["seg_recall"] == pytest.approx(200 / 3)
    assert scores["seg_f1"] == pytest.approx(2 * 50 * (200 / 3) / (50 + 200 / 3))
    # with tags, only 我们/r is right: P 1/4, R 1/3
    assert scores["pos_f1"] == pytest.approx(2 * 25 * (100 / 3) / (25 + 100 / 3))
    # 北京 is the one unseen gold word, and it was segmented right
    assert scores["oov_recall"] == 100.0 and scores["oov_words"] == 1.0


def test_entity_scores_by_hand():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"]]
    scores = entity_scores(gold, predicted)
    assert scores["entity_precision"] == 50.0 and scores["entity_recall"] == 50.0
    assert scores["entity_f1"] == 50.0


def test_accuracy_counts_items():
    assert accuracy([["a", "b"], ["c"]], [["a", "x"], ["c"]]) == pytest.approx(200 / 3)


def test_readers_parse_each_format(tmp_path):
    tagged = tmp_path / "t.txt"
    tagged.write_text("中国/ns 人/n\n\nhttp://x/y/n\n", encoding="utf-8")
    first, second = read_examples(tagged, "seg-pos")
    assert first.tokens == ("中", "国", "人") and first.labels == ("B-ns", "I-ns", "B-n")
    assert first.words == ("中国", "人")
    assert second.tokens == tuple("http://x/y")  # the last slash separates the tag
    labelled = tmp_path / "l.tsv"
    labelled.write_text("pos\t很 好\n", encoding="utf-8")
    assert read_examples(labelled, "labels")[0].labels == ("pos",)


@pytest.mark.parametrize("content, message", [
    (b"word-without-tag\n", "expected word/TAG"),
    (b"\xff\xfe\n", "not valid UTF-8"),
    (b"\n\n", "no examples"),
])
def test_bad_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_examples(path, "seg-pos")
