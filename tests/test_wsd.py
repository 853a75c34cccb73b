"""The word-sense metrics on hand-computed cases."""
import numpy as np
import pytest

from elmo.analysis.senses import SenseExample, parse_line
from elmo.analysis.wsd import (
    bag_of_words,
    best_threshold,
    evaluate,
    first_sense,
    nearest_sense,
    pair_accuracy,
    pair_cosines,
    scored_mask,
    sense_pairs,
)
from elmo.errors import InputError


def example(sense, tokens="x w y", position=1):
    return SenseExample(sense, position, tuple(tokens.split()))


# Word "w": two occurrences of sense a, two of sense b, one of c; word "v": a, a, b.
EXAMPLES = [example("w.a"), example("w.a"), example("w.b"), example("w.b"), example("w.c"),
            example("v.a"), example("v.a"), example("v.b")]
FEATURES = np.array([[1, 0], [1, 0.2], [0, 1], [0.3, 1], [0.6, 1], [1, 1], [1, 1], [-1, 1]],
                    np.float32)


def test_a_line_gives_the_sense_the_position_and_the_word():
    parsed = parse_line("play.v.03@1\tthey played baseball")
    assert parsed == SenseExample("play.v.03", 1, ("they", "played", "baseball"))
    assert parsed.word == "play.v" and parsed.context == ("they", "baseball")
    assert parse_line("包袱.1-行李@0\t包袱 很 重").word == "包袱"


@pytest.mark.parametrize("line", ["no tab here", "w.a@9\tx y", "wa@0\tx", "w.a@x\tx"])
def test_a_malformed_line_is_an_input_error(line):
    with pytest.raises(InputError):
        parse_line(line)


def test_nearest_sense_compares_with_the_other_occurrences_only():
    # Occurrence 3, (0.3, 1): sense b without it is (0, 1), cosine 0.958; c is (0.6, 1), cosine
    # 0.969: c wins. Occurrence 4 (c) has no other c, so the nearest of a and b: b (0.92 > 0.60).
    predictions = nearest_sense(FEATURES, EXAMPLES)
    assert predictions[:5] == ["w.a", "w.a", "w.b", "w.c", "w.b"]
    assert predictions[5:] == ["v.a", "v.a", "v.a"]


def test_tied_senses_go_to_the_first_in_the_inventory_order():
    # One vector for every occurrence, up to rounding noise that must not pick the sense: each
    # occurrence gets its word's first sense, as the most-frequent-sense reference does.
    noisy = np.ones((len(EXAMPLES), 2), np.float32) + np.float32(1e-7) * np.arange(16).reshape(8, 2)
    assert nearest_sense(noisy, EXAMPLES) == first_sense(EXAMPLES)


def test_only_senses_that_occur_again_are_scored():
    assert scored_mask(EXAMPLES).tolist() == [True] * 4 + [False, True, True, False]


def test_the_reference_is_the_first_sense_of_each_word():
    assert first_sense(EXAMPLES) == ["w.a"] * 5 + ["v.a"] * 3


def test_the_bag_of_words_leaves_out_the_target_token():
    bags = bag_of_words([example("w.a", "The w cat"), example("w.b", "the dog w")])
    assert bags.shape == (2, 3)  # cat, dog, the: "w" is never a context word
    assert pair_cosines(bags, np.array([[0, 1, 0]]))[0] == pytest.approx(0.5)


def test_pairs_are_balanced_per_word():
    pairs = sense_pairs([example("w.a"), example("w.a"), example("w.b"), example("v.a")])
    assert min(map(tuple, pairs[:, :2].tolist())) == (0, 1)
    assert pairs[:, 2].tolist().count(1) == pairs[:, 2].tolist().count(0) == 1


def test_the_threshold_maximises_dev_accuracy():
    scores, same = np.array([0.9, 0.7, 0.6, 0.2]), np.array([1, 1, 0, 0])
    assert best_threshold(scores, same) == 0.7
    assert pair_accuracy(scores, same, 0.7) == 1.0
    assert pair_accuracy(scores, same, 0.5) == 0.75


def test_among_equally_good_thresholds_the_lowest_is_taken():
    # t = 0.9: 4/5 right; t = 0.4: 4/5 right (0.8 is the one mistake); t = 0.8: 3/5.
    assert best_threshold(np.array([0.9, 0.8, 0.4, 0.3, 0.2]), np.array([1, 0, 1, 0, 0])) == 0.4


def test_tied_scores_take_one_side_of_the_threshold_together():
    # The two 0.5s cannot be split: t = 0.5 gets 1/3 right, t = 0.1 (all "same") 2/3.
    assert best_threshold(np.array([0.5, 0.5, 0.1]), np.array([1, 0, 1])) == 0.1


def test_evaluate_scores_the_test_occurrences_and_pairs():
    dev = np.array([False] * 5 + [True] * 3)  # word v chooses the threshold
    reference = evaluate(None, EXAMPLES, dev)
    assert (reference.wsd, reference.scored) == (0.5, 4)  # w.a right twice, w.b wrong twice
    scores = evaluate(FEATURES, EXAMPLES, dev)
    assert scores.wsd == 0.75 and scores.scored == 4
    # Dev pairs: v.a-v.a cosine 1, v.a-v.b cosine 0, so t = 1. Test pairs of w: the two
    # same-sense pairs (cosines 0.98, 0.96) fall below it, the two different-sense ones too.
    assert scores.threshold == pytest.approx(1.0)
    assert (scores.pairs, scores.n_pairs) == (0.5, 4)
