"""The definition of correct: the numbers the original TensorFlow code computed for the tiny model."""
import h5py
import numpy as np
import torch
from conftest import REFERENCE, TINY

import elmo
from elmo.modules.bilm import remove_sentence_markers


def _reference_top_layer(list_index: int, sentence_index: int) -> np.ndarray:
    with h5py.File(REFERENCE / f"lm_embeddings_{list_index}.hdf5", "r") as handle:
        halves = handle[str(sentence_index)][...]  # (2, n_tokens, 16): forward, backward
    return np.concatenate([halves[0], halves[1]], axis=-1)


def test_stateful_bilm_reproduces_the_original_top_layer(tiny_bilm, reference_sentences):
    state = None
    with torch.no_grad():
        for i in range(10):
            batch = [reference_sentences[k][i].split() for k in range(3)]
            output = tiny_bilm(elmo.batch_to_ids(batch), state)
            state = output.state
            layers, mask = remove_sentence_markers(output.layers, output.mask)
            for k, sentence in enumerate(batch):
                assert mask[k].sum() == len(sentence)
                np.testing.assert_allclose(layers[2, k, : len(sentence)].numpy(),
                                           _reference_top_layer(k, i), rtol=0, atol=1e-5)


def test_stateful_model_reproduces_the_original_when_fed_in_the_same_batches(reference_sentences):
    model = elmo.load(TINY, stateful=True, batch_size=3)
    batches = [[reference_sentences[k][i].split() for k in range(3)] for i in range(10)]
    vectors = model.embed([sentence for batch in batches for sentence in batch])
    for i in range(10):
        for k in range(3):
            np.testing.assert_allclose(vectors[3 * i + k][2], _reference_top_layer(k, i),
                                       rtol=0, atol=1e-5)


def test_stateless_first_batch_matches_the_original_which_started_from_zero(reference_sentences):
    model = elmo.load(TINY)
    first = model.embed([reference_sentences[k][0].split() for k in range(3)])
    for k in range(3):
        np.testing.assert_allclose(first[k][2], _reference_top_layer(k, 0), rtol=0, atol=1e-5)


def test_stateless_later_batches_differ_from_the_stateful_original(reference_sentences):
    later = elmo.load(TINY).embed([reference_sentences[0][1].split()])[0][2]
    assert np.abs(later - _reference_top_layer(0, 1)).max() > 1e-3


def test_reset_state_starts_again_from_zero(reference_sentences):
    model = elmo.load(TINY, stateful=True)
    sentence = reference_sentences[1][3].split()
    first = model.embed([sentence])[0]
    carried = model.embed([sentence])[0]
    model.reset_state()
    again = model.embed([sentence])[0]
    assert np.abs(first - carried).max() > 1e-4
    np.testing.assert_array_equal(first, again)
