"""The pretraining vocabulary: building it from counts, its file format, and `elmo vocab`."""
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from elmo.cli.main import main
from elmo.data.vocab import Vocabulary, build_vocabulary, count_tokens
from elmo.errors import InputError

FIXTURE_VOCAB = Path(__file__).parent / "fixtures" / "bilm_tf_train" / "vocab.txt"
SPECIALS = ["<S>", "</S>", "<UNK>"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_specials_come_first_then_tokens_by_descending_count():
    vocab = build_vocabulary(Counter({"b": 2, "a": 5, "c": 1}))
    assert vocab.tokens == [*SPECIALS, "a", "b", "c"]
    assert (vocab.bos_id, vocab.eos_id, vocab.unk_id) == (0, 1, 2)


def test_equal_counts_are_ordered_by_token_string():
    vocab = build_vocabulary(Counter({"zeta": 3, "alpha": 3, "mid": 3, "top": 4}))
    assert vocab.tokens[3:] == ["top", "alpha", "mid", "zeta"]


def test_min_count_drops_rare_tokens():
    vocab = build_vocabulary(Counter({"a": 5, "b": 2, "c": 1}), min_count=2)
    assert vocab.tokens[3:] == ["a", "b"]


def test_max_size_counts_the_specials():
    vocab = build_vocabulary(Counter({"a": 5, "b": 2, "c": 1}), max_size=5)
    assert vocab.tokens == [*SPECIALS, "a", "b"]


def test_specials_seen_in_the_corpus_are_not_repeated():
    vocab = build_vocabulary(Counter({"</S>": 9, "a": 1, "<UNK>": 4, "<S>": 9}))
    assert vocab.tokens == [*SPECIALS, "a"]


def test_empty_corpus_is_an_error():
    with pytest.raises(InputError, match="the corpus is empty"):
        build_vocabulary(Counter({"<S>": 3}))


def test_min_count_above_every_count_is_an_error():
    with pytest.raises(InputError, match="min_count 10 is too high.*occurs 5 times"):
        build_vocabulary(Counter({"a": 5}), min_count=10)


def test_ids_and_encoding_map_unknown_tokens_to_unk():
    vocab = Vocabulary(["x", "<UNK>", "<S>", "</S>"])
    assert (vocab.bos_id, vocab.eos_id, vocab.unk_id, len(vocab)) == (2, 3, 1, 4)
    assert vocab.id_of("x") == 0 and vocab.id_of("never-seen") == 1
    encoded = vocab.encode(["<S>", "x", "y", "</S>"])
    assert encoded.dtype == np.int64 and encoded.tolist() == [2, 0, 1, 3]


def test_missing_specials_are_listed():
    with pytest.raises(InputError, match=r"lacks the special token\(s\) </S>, <UNK>"):
        Vocabulary(["<S>", "a"])


@pytest.mark.parametrize("bad", ["", "two\nlines", "line\u2028separator"])
def test_empty_tokens_and_line_breaks_are_rejected_naming_their_id(bad):
    with pytest.raises(InputError, match=re.escape(f"token id 3: {bad!r} is not a token")):
        Vocabulary([*SPECIALS, bad])


def test_a_token_with_whitespace_is_looked_up_but_cannot_be_saved(tmp_path):
    vocabulary = Vocabulary([*SPECIALS, "two words", "\u3000"])
    assert list(vocabulary.encode(["two words", "\u3000", "two"])) == [3, 4, vocabulary.unk_id]
    with pytest.raises(InputError, match="holds whitespace"):
        vocabulary.save(tmp_path / "vocab.txt")


def test_duplicate_tokens_are_rejected_naming_both_places():
    with pytest.raises(InputError, match=re.escape("token id 4: duplicate token 'a' (first at id 3)")):
        Vocabulary([*SPECIALS, "a", "a"])


def test_save_then_load_gives_the_same_tokens(tmp_path):
    vocab = Vocabulary([*SPECIALS, "naïve", "苹果", "."])
    vocab.save(tmp_path / "vocab.txt")
    assert (tmp_path / "vocab.txt").read_text(encoding="utf-8") == "<S>\n</S>\n<UNK>\nnaïve\n苹果\n.\n"
    assert Vocabulary.load(tmp_path / "vocab.txt").tokens == vocab.tokens
    assert [path.name for path in tmp_path.iterdir()] == ["vocab.txt"]  # no temporary file left


def test_save_replaces_an_existing_file(tmp_path):
    path = write(tmp_path / "vocab.txt", "old\n")
    Vocabulary(SPECIALS).save(path)
    assert path.read_text() == "<S>\n</S>\n<UNK>\n"


def test_load_reads_the_original_vocabulary_file():
    vocab = Vocabulary.load(FIXTURE_VOCAB)
    assert len(vocab) == 32
    assert vocab.tokens[:5] == ["<S>", "</S>", "<UNK>", "of", "the"]
    assert (vocab.bos_id, vocab.eos_id, vocab.unk_id) == (0, 1, 2)
    assert vocab.id_of("larger") == 31


def test_load_takes_the_token_of_token_count_lines(tmp_path):
    path = write(tmp_path / "vocab.txt", "<S> 10\n</S>\t10\n<UNK> 0\nthe 7\n")
    assert Vocabulary.load(path).tokens == [*SPECIALS, "the"]


def test_load_names_the_blank_line(tmp_path):
    path = write(tmp_path / "vocab.txt", "<S>\n</S>\n\n<UNK>\n")
    with pytest.raises(InputError, match="vocab.txt: line 3 is blank"):
        Vocabulary.load(path)


def test_load_names_the_line_of_a_duplicate(tmp_path):
    path = write(tmp_path / "vocab.txt", "<S>\n</S>\n<UNK>\nthe\nthe\n")
    message = "vocab.txt: line 5: duplicate token 'the' (first at line 4)"
    with pytest.raises(InputError, match=re.escape(message)):
        Vocabulary.load(path)


def test_load_rejects_a_line_that_is_not_token_and_count(tmp_path):
    path = write(tmp_path / "vocab.txt", "<S>\n</S>\n<UNK>\nNew York\n")
    with pytest.raises(InputError, match="line 4 is 'New York', not a token"):
        Vocabulary.load(path)


def test_load_of_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="vocabulary file not found"):
        Vocabulary.load(tmp_path / "absent.txt")


def test_count_tokens_counts_whitespace_tokens_of_every_file(tmp_path):
    first = write(tmp_path / "a.txt", "the cat  sat\n\nthe <S> end\n")
    second = write(tmp_path / "b.txt", "\ufeffthe\tdog\n")
    counts = count_tokens([first, second], progress=False)
    assert counts == Counter({"the": 3, "cat": 1, "sat": 1, "<S>": 1, "end": 1, "dog": 1})


def test_vocab_command_writes_the_vocabulary_and_a_summary(tmp_path):
    write(tmp_path / "part-1.txt", "a b a\nc a\n")
    write(tmp_path / "part-2.txt", "b d\n")
    output = tmp_path / "vocab.txt"
    result = CliRunner().invoke(main, ["vocab", str(tmp_path / "part-*.txt"), "-o", str(output),
                                       "--min-count", "2"])
    assert result.exit_code == 0, result.output
    assert output.read_text() == "<S>\n</S>\n<UNK>\na\nb\n"
    assert "vocabulary of 5 tokens from 4 types and 7 tokens in 2 files" in result.output
    assert "covers 71.43% of the corpus tokens" in result.output  # a, a, a, b, b of 7


def test_vocab_command_reports_a_pattern_that_matches_nothing(tmp_path):
    result = CliRunner().invoke(main, ["vocab", str(tmp_path / "*.txt"), "-o",
                                       str(tmp_path / "vocab.txt")])
    assert result.exit_code == 2
    assert "error: no file matches" in result.output and "*.txt" in result.output
