import numpy as np
import pytest

from elmo.analysis.polysemy import SenseSet, sense_similarities
from elmo.errors import InputError


class FixedVectors:
    """Gives the word in sentence ``i`` the 2-D vector ``VECTORS[first token]`` at every layer."""

    VECTORS = {"a1": (1.0, 0.0), "a2": (1.0, 0.0), "b1": (0.0, 1.0), "b2": (1.0, 1.0)}

    def embed(self, sentences):
        return [np.stack([np.tile(self.VECTORS[s[0]], (len(s), 1))] * 2) for s in sentences]


def test_sense_similarities_average_same_and_cross_sense_pairs():
    sense_set = SenseSet("w", {"x": ("a1 w", "a2 w"), "y": ("b1 w", "b2 w")})
    same, different = sense_similarities(FixedVectors(), sense_set)
    # same: cos(a1, a2) = 1 and cos(b1, b2) = 1/sqrt(2); different: a-b pairs 0, 1/sqrt(2), 0, 1/sqrt(2)
    assert same == pytest.approx([(1 + 2 ** -0.5) / 2] * 2)
    assert different == pytest.approx([2 ** -0.5 / 2] * 2)


def test_a_sentence_without_the_word_is_named():
    with pytest.raises(InputError, match="does not occur in: a1 v"):
        sense_similarities(FixedVectors(), SenseSet("w", {"x": ("a1 v",), "y": ("b1 w",)}))
