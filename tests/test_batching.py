"""Pretraining batches: bilm-tf window packing, sentence batches, groups, resuming, evaluation."""
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from elmo.data.batching import (
    LMBatch,
    SentenceBatcher,
    WindowBatcher,
    evaluation_batches,
)
from elmo.data.chars import token_to_char_ids
from elmo.data.vocab import Vocabulary
from elmo.errors import InputError

VOCAB = Vocabulary(["<S>", "</S>", "<UNK>", "a", "b", "c", "d", "e"])
BOS, EOS, UNK = 0, 1, 2
A, B, C, D, E = 3, 4, 5, 6, 7


def write_shards(folder: Path, texts: list[str]) -> list[Path]:
    paths = []
    for index, text in enumerate(texts):
        path = folder / f"shard-{index}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def random_corpus(folder: Path, n_shards: int = 4, lines: int = 9, seed: int = 0) -> list[Path]:
    """Shards of sentences of 1 to 7 tokens drawn from a, b, c, d, e and an unknown word."""
    rng = np.random.default_rng(seed)
    words = np.array(["a", "b", "c", "d", "e", "zz"])
    return write_shards(folder, ["\n".join(" ".join(rng.choice(words, rng.integers(1, 8)))
                                           for _ in range(lines)) + "\n"
                                 for _ in range(n_shards)])


def assert_batches_equal(first: LMBatch, second: LMBatch) -> None:
    for name in ("char_ids", "word_ids", "targets", "mask"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name


def rows(batch: LMBatch, start: int, stop: int) -> LMBatch:
    return LMBatch(batch.char_ids[:, start:stop], batch.word_ids[:, start:stop],
                   batch.targets[:, start:stop], batch.mask[:, start:stop])


def steps_of(batch: LMBatch, start: int, stop: int | None) -> LMBatch:
    return LMBatch(batch.char_ids[:, :, start:stop], batch.word_ids[:, :, start:stop],
                   batch.targets[:, :, start:stop], batch.mask[:, :, start:stop])


def test_windows_of_two_short_sentences_worked_by_hand(tmp_path):
    shards = write_shards(tmp_path, ["a b\nc d e\n"])
    batcher = WindowBatcher(shards, VOCAB, rows_per_group=1, unroll_steps=3, shuffle=False)
    windows = [next(batcher) for _ in range(3)]
    # forward stream:  <S> a b </S> <S> c d e </S> <S> a b </S> ... (the second pass repeats)
    assert [w.word_ids[0, 0].tolist() for w in windows] == [[BOS, A, B], [BOS, C, D], [E, BOS, A]]
    assert [w.targets[0, 0].tolist() for w in windows] == [[A, B, EOS], [C, D, E], [EOS, A, B]]
    # backward stream: </S> b a <S> </S> e d c <S> </S> b a <S> ...
    assert [w.word_ids[1, 0].tolist() for w in windows] == [[EOS, B, A], [EOS, E, D], [C, EOS, B]]
    assert [w.targets[1, 0].tolist() for w in windows] == [[B, A, BOS], [E, D, C], [BOS, B, A]]
    assert all(w.mask.all() and w.n_tokens == 3 for w in windows)


def test_window_character_ids_are_those_of_the_input_tokens(tmp_path):
    batcher = WindowBatcher(write_shards(tmp_path, ["a b\n"]), VOCAB, 1, 3, shuffle=False)
    batch = next(batcher)
    assert batch.char_ids.shape == (2, 1, 3, 50) and batch.char_ids.dtype == np.int16
    for direction, tokens in enumerate([["<S>", "a", "b"], ["</S>", "b", "a"]]):
        for step, token in enumerate(tokens):
            assert np.array_equal(batch.char_ids[direction, 0, step], token_to_char_ids(token))


def test_unknown_words_are_unk_in_inputs_and_targets(tmp_path):
    batch = next(WindowBatcher(write_shards(tmp_path, ["a zz\n"]), VOCAB, 1, 3, shuffle=False))
    assert batch.word_ids[0, 0].tolist() == [BOS, A, UNK]
    assert batch.targets[0, 0].tolist() == [A, UNK, EOS]
    assert np.array_equal(batch.char_ids[0, 0, 2], token_to_char_ids("zz"))


def test_each_row_continues_its_sentence_stream_across_windows(tmp_path):
    shards = random_corpus(tmp_path, n_shards=1, lines=12)
    batcher = WindowBatcher(shards, VOCAB, rows_per_group=2, unroll_steps=4, shuffle=False)
    windows = [next(batcher) for _ in range(8)]
    row_inputs = [np.concatenate([w.word_ids[0, row] for w in windows]) for row in range(2)]
    row_targets = [np.concatenate([w.targets[0, row] for w in windows]) for row in range(2)]
    for inputs, targets in zip(row_inputs, row_targets):
        # Within a row, each target is the next input, except that </S> is followed by <S>.
        following = np.where(targets[:-1] == EOS, BOS, targets[:-1])
        assert np.array_equal(inputs[1:], following)
    # Together the rows read the sentences in file order, each whole.
    lines = [line.split() for line in shards[0].read_text().splitlines()]
    rows_read = {tuple(VOCAB.encode(["<S>", *line])) for line in lines}
    for inputs in row_inputs:
        starts = np.flatnonzero(inputs == BOS)
        for start, stop in zip(starts, starts[1:]):
            assert tuple(inputs[start:stop]) in rows_read


def test_the_backward_direction_reads_the_same_sentences_reversed(tmp_path):
    shards = write_shards(tmp_path, ["a b c\nd\ne a\n"])
    batcher = WindowBatcher(shards, VOCAB, rows_per_group=1, unroll_steps=5, shuffle=False)
    inputs = np.concatenate([next(batcher).word_ids[1, 0] for _ in range(2)])
    assert inputs.tolist() == [EOS, C, B, A, EOS, D, EOS, A, E, EOS]


def test_two_groups_in_one_batch_equal_two_processes_side_by_side(tmp_path):
    shards = random_corpus(tmp_path, n_shards=5)
    both = WindowBatcher(shards, VOCAB, 3, 4, seed=9, groups=(0, 1), n_groups=2)
    first = WindowBatcher(shards, VOCAB, 3, 4, seed=9, groups=(0,), n_groups=2)
    second = WindowBatcher(shards, VOCAB, 3, 4, seed=9, groups=(1,), n_groups=2)
    for _ in range(12):
        batch = next(both)
        assert batch.word_ids.shape == (2, 6, 4)
        assert_batches_equal(rows(batch, 0, 3), next(first))
        assert_batches_equal(rows(batch, 3, 6), next(second))


def test_a_group_reads_only_its_own_shards(tmp_path):
    shards = write_shards(tmp_path, ["a\n", "b\n", "c\n", "d\n"])
    batcher = WindowBatcher(shards, VOCAB, 1, 10, groups=(1,), n_groups=2)
    assert set(next(batcher).word_ids[0, 0].tolist()) == {BOS, B, D}


def test_fewer_shards_than_processes_is_an_error(tmp_path):
    shards = write_shards(tmp_path, ["a\n"])
    with pytest.raises(InputError, match="need at least 2 shards for 2 processes"):
        WindowBatcher(shards, VOCAB, 1, 3, n_groups=2)


def test_a_restored_window_batcher_yields_the_same_batches(tmp_path):
    shards = random_corpus(tmp_path)
    original = WindowBatcher(shards, VOCAB, 2, 5, seed=4, groups=(0, 1), n_groups=2)
    for _ in range(7):
        next(original)
    state = json.loads(json.dumps(original.state_dict()))
    restored = WindowBatcher(shards, VOCAB, 2, 5, seed=4, groups=(0, 1), n_groups=2)
    restored.load_state_dict(state)
    assert restored.sentences_read == original.sentences_read
    for _ in range(15):
        assert_batches_equal(next(restored), next(original))


def test_a_batcher_state_with_other_settings_is_refused(tmp_path):
    shards = random_corpus(tmp_path)
    state = WindowBatcher(shards, VOCAB, 2, 5).state_dict()
    with pytest.raises(InputError, match="other settings"):
        WindowBatcher(shards, VOCAB, 2, 6).load_state_dict(state)


def test_epoch_and_sentences_read_follow_the_streams(tmp_path):
    batcher = WindowBatcher(write_shards(tmp_path, ["a b\nc\n"]), VOCAB, 1, 3, shuffle=False)
    next(batcher)  # <S> a b | targets a b </S>: one sentence
    assert (batcher.sentences_read, batcher.epoch) == (1, 0)
    next(batcher)  # <S> c <S> (second pass) a
    assert (batcher.sentences_read, batcher.epoch) == (3, 1)


def test_sentence_batches_pad_each_sentence_to_the_longest(tmp_path):
    shards = write_shards(tmp_path, ["a b c\nd\n"])
    batch = next(SentenceBatcher(shards, VOCAB, batch_size=2, shuffle=False))
    assert batch.word_ids.shape == (2, 2, 4) and batch.char_ids.shape == (2, 2, 4, 50)
    assert batch.word_ids.tolist() == [[[BOS, A, B, C], [BOS, D, 0, 0]],
                                       [[EOS, C, B, A], [EOS, D, 0, 0]]]
    assert batch.targets.tolist() == [[[A, B, C, EOS], [D, EOS, 0, 0]],
                                      [[C, B, A, BOS], [D, BOS, 0, 0]]]
    assert batch.mask.tolist() == [[[True] * 4, [True, True, False, False]]] * 2
    assert batch.n_tokens == 6
    assert not batch.char_ids[:, 1, 2:].any()


def test_long_sentences_are_split_into_pieces_of_max_length(tmp_path):
    shards = write_shards(tmp_path, ["a b c d e\n"])
    batcher = SentenceBatcher(shards, VOCAB, batch_size=3, shuffle=False, max_length=2)
    batch = next(batcher)
    assert batch.word_ids[0].tolist() == [[BOS, A, B], [BOS, C, D], [BOS, E, 0]]
    assert batch.targets[0].tolist() == [[A, B, EOS], [C, D, EOS], [E, EOS, 0]]


def test_sentence_batches_of_two_groups_equal_each_group_padded_alike(tmp_path):
    shards = random_corpus(tmp_path, n_shards=4)
    settings = dict(batch_size=2, seed=3, max_length=3, n_groups=2)
    both = SentenceBatcher(shards, VOCAB, groups=(0, 1), **settings)
    alone = [SentenceBatcher(shards, VOCAB, groups=(group,), **settings) for group in (0, 1)]
    for _ in range(8):
        batch = next(both)
        for group, batcher in enumerate(alone):
            part = rows(batch, 2 * group, 2 * group + 2)
            expected = next(batcher)
            steps = expected.mask.shape[2]
            assert_batches_equal(steps_of(part, 0, steps), expected)
            assert not steps_of(part, steps, None).mask.any()  # the rest is padding


def test_a_restored_sentence_batcher_yields_the_same_batches(tmp_path):
    shards = random_corpus(tmp_path, n_shards=4)
    settings = dict(batch_size=3, seed=3, max_length=3, groups=(0, 1), n_groups=2)
    original = SentenceBatcher(shards, VOCAB, **settings)
    for _ in range(4):
        next(original)
    state = json.loads(json.dumps(original.state_dict()))
    assert any(state["rows"]), "the state should hold pieces of a split sentence"
    restored = SentenceBatcher(shards, VOCAB, **settings)
    restored.load_state_dict(state)
    for _ in range(10):
        assert_batches_equal(next(restored), next(original))


def test_evaluation_predicts_every_token_once_per_direction(tmp_path):
    shards = random_corpus(tmp_path, n_shards=2, lines=7, seed=5)
    sentences = [line.split() for shard in shards for line in shard.read_text().splitlines()]
    batches = list(evaluation_batches(shards, VOCAB, batch_size=3, unroll_steps=4))
    expected = sum(len(sentence) for sentence in sentences) + len(sentences)
    assert sum(int(batch.mask[0].sum()) for batch in batches) == expected
    assert sum(int(batch.mask[1].sum()) for batch in batches) == expected
    assert all(batch.word_ids.shape == (2, 3, 4) for batch in batches)
    assert batches[-1].mask.any() and not batches[-1].mask.all()


def test_evaluation_windows_are_padded_at_the_end(tmp_path):
    shards = write_shards(tmp_path, ["a b\nc d e\n"])
    batches = list(evaluation_batches(shards, VOCAB, batch_size=1, unroll_steps=3))
    assert [b.word_ids[0, 0].tolist() for b in batches] == [[BOS, A, B], [BOS, C, D], [E, 0, 0]]
    assert [b.targets[0, 0].tolist() for b in batches] == [[A, B, EOS], [C, D, E], [EOS, 0, 0]]
    assert [b.mask[0, 0].tolist() for b in batches] == [[True] * 3, [True] * 3, [True, False, False]]
    assert batches[-1].word_ids[1, 0].tolist() == [C, 0, 0]


def test_evaluation_reads_every_sentence_in_order(tmp_path):
    shards = write_shards(tmp_path, ["a\nb\n", "c\n"])
    batches = evaluation_batches(shards, VOCAB, batch_size=2, unroll_steps=2)
    batch = next(batches)  # each row's window holds one sentence: rows take "a", "b", then "c"
    assert batch.word_ids[0].tolist() == [[BOS, A], [BOS, B]]
    assert next(batches).word_ids[0].tolist() == [[BOS, C], [0, 0]]
    assert next(batches, None) is None


def test_no_batch_from_an_empty_evaluation_set(tmp_path):
    shards = write_shards(tmp_path, ["\n\n"])
    assert list(itertools.islice(evaluation_batches(shards, VOCAB, 2, 3), 5)) == []
