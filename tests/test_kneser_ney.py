import math

import pytest

from elmo.data.vocab import Vocabulary
from elmo.evaluate.kneser_ney import KneserNeyLM

VOCAB = Vocabulary(["<S>", "</S>", "<UNK>", "a", "b", "c"])
TEXT = [["a", "b"], ["a", "c"], ["b", "a", "b"]]


@pytest.mark.parametrize("order", [1, 2, 3])
def test_probabilities_of_every_word_after_any_history_sum_to_one(order):
    model = KneserNeyLM(VOCAB, order).fit(TEXT)
    for history in [(), (3,), (0, 3), (4, 5), (0, 0)]:
        history = history[len(history) - (order - 1):] if order > 1 else ()
        total = sum(model.probability(history, word) for word in range(len(VOCAB)))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_bigram_probability_matches_a_hand_computation():
    model = KneserNeyLM(VOCAB, 2).fit(TEXT)
    # bigrams: <S> a x2, a b x2, b </S> x2, a c, c </S>, <S> b, b a  -> counts of counts n1=4, n2=3
    discount = 4 / (4 + 2 * 3)
    assert model.discounts[1] == pytest.approx(discount)
    # continuation counts of unigrams: a<-{<S>, b}=2, b<-{a, <S>}=2, c<-{a}=1, </S><-{b, c}=2
    unigram_discount = model.discounts[0]  # counts of counts over (1, 2, 2, 2): n1=1, n2=3
    assert unigram_discount == pytest.approx(1 / 7)
    p_b = (2 - unigram_discount) / 7 + unigram_discount * 4 / 7 / 6
    # P(b | a) = (2 - D) / 3 + D * 2 / 3 * P(b)   (a is followed by b twice and c once)
    expected = (2 - discount) / 3 + discount * 2 / 3 * p_b
    assert model.probability((3,), 4) == pytest.approx(expected)


def test_unknown_words_count_as_unk_and_backward_model_reads_right_to_left():
    forward = KneserNeyLM(VOCAB, 2).fit(TEXT)
    backward = KneserNeyLM(VOCAB, 2, reverse=True).fit(TEXT)
    assert forward.perplexity([["a", "zzz"]]) == pytest.approx(forward.perplexity([["a", "<UNK>"]]))
    # "b </S>" is frequent forward; reversed, sentences end with "a" or "b" before </S>
    assert backward.count((3, 1)) == 2 and forward.count((4, 1)) == 2
    assert forward.count((3,)) == 2  # continuation count: "a" follows <S> and "b"


def test_perplexity_of_training_text_is_lower_for_higher_order():
    unigram = KneserNeyLM(VOCAB, 1).fit(TEXT).perplexity(TEXT)
    trigram = KneserNeyLM(VOCAB, 3).fit(TEXT).perplexity(TEXT)
    assert trigram < unigram < len(VOCAB)
    assert math.isfinite(trigram)
