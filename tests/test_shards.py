"""Corpus shards: finding them, reading them once in order, and the endless shuffled ShardStream."""
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from elmo.data import shards
from elmo.data.shards import ShardStream, expand_shards, iter_sentences
from elmo.errors import InputError


def make_shards(folder: Path, sizes=(3, 5, 1, 4)) -> list[Path]:
    """Shards of numbered one-word-per-sentence lines: shard i, sentence j is "s{i} w{j}"."""
    paths = []
    for shard, size in enumerate(sizes):
        path = folder / f"shard-{shard}.txt"
        path.write_text("".join(f"s{shard} w{line}\n" for line in range(size)), encoding="utf-8")
        paths.append(path)
    return paths


def take(stream, count: int) -> list[str]:
    return [" ".join(sentence) for sentence in itertools.islice(stream, count)]


def test_expand_shards_sorts_and_deduplicates_globs_and_paths(tmp_path):
    b, a = make_shards(tmp_path, (1, 1))[::-1]
    shards = expand_shards([str(tmp_path / "shard-*.txt"), str(b), str(a)])
    assert shards == [a.resolve(), b.resolve()]
    assert expand_shards(str(a)) == [a.resolve()]


def test_expand_shards_names_the_pattern_that_matches_nothing(tmp_path):
    make_shards(tmp_path, (1,))
    with pytest.raises(InputError, match="no file matches .*missing-\\*.txt"):
        expand_shards([str(tmp_path / "shard-*.txt"), str(tmp_path / "missing-*.txt")])


def test_expand_shards_of_nothing_is_an_error():
    with pytest.raises(InputError, match="no corpus files"):
        expand_shards([])


def test_iter_sentences_reads_one_pass_in_file_order_skipping_blank_lines(tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("\ufeffthe  cat\n\n   \nsat\there\n", encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text("last one", encoding="utf-8")
    assert list(iter_sentences([first, second])) == [["the", "cat"], ["sat", "here"],
                                                     ["last", "one"]]


def test_a_corrupt_line_names_the_shard_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine line\nalso fine\nbroken \xff byte\n")
    with pytest.raises(InputError, match=r"corrupt shard line: .*bad.txt, line 3 is not valid UTF-8"):
        list(iter_sentences([path]))
    with pytest.raises(InputError, match="corrupt shard line"):
        next(ShardStream([path]))


def test_every_sentence_appears_exactly_once_per_pass(tmp_path):
    shards = make_shards(tmp_path)
    stream = ShardStream(shards, seed=3)
    expected = Counter(f"s{shard} w{line}" for shard, size in enumerate((3, 5, 1, 4))
                       for line in range(size))
    for epoch in range(3):
        assert Counter(take(stream, 13)) == expected
        assert stream.epoch == epoch and stream.sentences_read == 13 * (epoch + 1)


def test_a_shard_is_read_whole_before_the_next_one_starts(tmp_path):
    sentences = take(ShardStream(make_shards(tmp_path), seed=1), 13)
    shard_of_each = [sentence.split()[0] for sentence in sentences]
    runs = [shard for shard, _ in itertools.groupby(shard_of_each)]
    assert sorted(runs) == ["s0", "s1", "s2", "s3"]


def test_the_order_is_a_function_of_the_seed(tmp_path):
    shards = make_shards(tmp_path)
    assert take(ShardStream(shards, seed=7), 40) == take(ShardStream(shards, seed=7), 40)
    assert take(ShardStream(shards, seed=7), 40) != take(ShardStream(shards, seed=8), 40)


def test_each_pass_has_a_new_order(tmp_path):
    stream = ShardStream(make_shards(tmp_path, (20, 20)), seed=0)
    assert take(stream, 40) != take(stream, 40)


def test_without_shuffle_every_pass_is_in_file_order(tmp_path):
    stream = ShardStream(make_shards(tmp_path, (2, 1)), shuffle=False)
    assert take(stream, 6) == ["s0 w0", "s0 w1", "s1 w0"] * 2


def test_only_the_current_shard_is_held_and_each_shard_is_read_once_per_pass(tmp_path, monkeypatch):
    reads = []
    original = shards.read_shard
    monkeypatch.setattr(shards, "read_shard", lambda path: reads.append(path.name) or original(path))
    stream = ShardStream(make_shards(tmp_path), seed=5)
    assert stream.current_shard is None
    for sentence in itertools.islice(stream, 26):
        assert stream.current_shard.name == f"shard-{sentence[0][1:]}.txt"
    assert sorted(reads) == sorted([f"shard-{index}.txt" for index in range(4)] * 2)


def test_state_dict_mid_shard_resumes_the_exact_sequence(tmp_path):
    shards = make_shards(tmp_path)
    original = ShardStream(shards, seed=11)
    take(original, 15)  # the second pass, inside a shard
    state = json.loads(json.dumps(original.state_dict()))
    resumed = ShardStream(shards, seed=11)
    resumed.load_state_dict(state)
    assert (resumed.epoch, resumed.sentences_read) == (1, 15)
    assert take(resumed, 30) == take(original, 30)


def test_state_dict_of_another_seed_is_refused(tmp_path):
    shards = make_shards(tmp_path)
    state = ShardStream(shards, seed=1).state_dict()
    with pytest.raises(InputError, match="another stream"):
        ShardStream(shards, seed=2).load_state_dict(state)


def test_a_corpus_of_blank_lines_is_an_error_not_an_endless_loop(tmp_path):
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no sentences in 2 files"):
        next(ShardStream([blank, empty]))


def test_empty_shards_among_others_are_skipped(tmp_path):
    shards = make_shards(tmp_path, (2, 0, 1))
    assert sorted(take(ShardStream(shards, seed=4), 3)) == ["s0 w0", "s0 w1", "s2 w0"]


def test_a_missing_shard_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="corpus file not found"):
        ShardStream([tmp_path / "absent.txt"])
