import numpy as np
import pytest
from conftest import TINY

import elmo
from elmo.analysis.probing import (
    most_frequent_label_accuracy,
    probe_accuracy,
    token_layers,
)
from elmo.errors import InputError


def test_probe_reads_a_label_that_one_dimension_holds():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4))
    y = np.where(x[:, 2] > 0, "noun", "verb")
    assert probe_accuracy(x[:150], y[:150], x[150:], y[150:]) > 0.95


def test_probe_cannot_read_a_label_the_vectors_do_not_hold():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(400, 4)), rng.choice(["a", "b"], size=400)
    assert probe_accuracy(x[:300], y[:300], x[300:], y[300:]) < 0.65


def test_most_frequent_label_by_hand():
    train_words, train_tags = ["the", "run", "run", "run", "dog"], ["DT", "VB", "NN", "VB", "NN"]
    # run -> VB (2 of 3): wrong; unseen cat -> VB (2, tied with NN, counted first): right; the -> DT: right
    accuracy = most_frequent_label_accuracy(train_words, train_tags, ["run", "cat", "the"], ["NN", "VB", "DT"])
    assert accuracy == pytest.approx(2 / 3)


def test_token_layers_stacks_every_token_of_every_sentence():
    model = elmo.load(TINY)
    layers = token_layers(model, [["a", "b", "c"], ["d"]])
    assert layers.shape == (4, model.n_representations, model.output_dim)
    with pytest.raises(InputError):
        token_layers(model, [])
