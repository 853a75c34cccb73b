import numpy as np
import pytest
import torch
from conftest import TINY

import elmo
from elmo import InputError


def test_embed_returns_all_layers_per_sentence_in_input_order():
    model = elmo.load(TINY, batch_size=2)
    sentences = [["a"] * 5, ["b", "c"], [], ["d"] * 9]
    vectors = model.embed(sentences)
    assert [v.shape for v in vectors] == [(3, 5, 32), (3, 2, 32), (3, 0, 32), (3, 9, 32)]
    for sentence, v in zip(sentences, vectors):
        np.testing.assert_allclose(v, model.embed([sentence])[0], atol=1e-6)


def test_token_cache_gives_the_same_vectors_as_computing_every_token():
    sentences = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog"]]
    cached = elmo.load(TINY).embed(sentences)
    uncached = elmo.load(TINY, token_cache_size=0).embed(sentences)
    for a, b in zip(cached, uncached):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_token_cache_empties_when_the_model_loads_other_weights():
    model = elmo.load(TINY)
    model.embed([["cache", "me"]])
    cache = model.token_cache
    assert len(cache) == 4  # two tokens and the two sentence markers
    changed = {name: value + 1.0 if name == "projection.bias" else value
               for name, value in model.bilm.token_encoder.state_dict().items()}
    model.bilm.token_encoder.load_state_dict(changed)
    assert len(cache) == 0
    fresh = model.embed([["cache", "me"]])[0][0]
    expected = elmo.load(TINY, token_cache_size=0)
    with torch.no_grad():
        expected.bilm.token_encoder.projection.bias.add_(1.0)
    np.testing.assert_allclose(fresh, expected.embed([["cache", "me"]])[0][0], atol=1e-6)


def test_token_cache_keeps_at_most_max_size_tokens():
    model = elmo.load(TINY, token_cache_size=3)
    model.embed([["w1", "w2", "w3", "w4", "w5"]])
    assert len(model.token_cache) == 3


def test_precompute_tokens_fills_the_cache():
    model = elmo.load(TINY)
    assert model.precompute_tokens(["alpha", "beta", "alpha"]) == 2


def test_long_sentences_are_split_into_independent_pieces():
    model = elmo.load(TINY, max_sentence_length=4)
    sentence = [f"w{i}" for i in range(10)]
    vectors = model.embed([sentence])[0]
    assert vectors.shape == (3, 10, 32)
    np.testing.assert_allclose(vectors[:, 4:8], model.embed([sentence[4:8]])[0], atol=1e-6)


def test_long_sentences_can_be_truncated_or_rejected():
    sentence = ["w"] * 10
    assert elmo.load(TINY, max_sentence_length=4, long_sentences="truncate").embed([sentence])[0].shape[1] == 4
    with pytest.raises(InputError, match="10 tokens"):
        elmo.load(TINY, max_sentence_length=4, long_sentences="error").embed([sentence])


def test_a_string_instead_of_tokens_is_rejected():
    with pytest.raises(InputError, match="not a string"):
        elmo.load(TINY).embed(["I play chess"])


def test_saved_token_vectors_reload_and_give_the_same_embeddings(tmp_path):
    from elmo.embed.token_vectors import load_token_vectors, save_token_vectors
    source = elmo.load(TINY)
    source.precompute_tokens(["the", "play", "was", "good"])
    assert save_token_vectors(source, tmp_path / "tokens.npz") == 4
    target = elmo.load(TINY)
    assert load_token_vectors(target, tmp_path / "tokens.npz") == 4
    assert len(target.token_cache) == 4
    sentence = [["the", "play", "was", "good"]]
    np.testing.assert_allclose(target.embed(sentence)[0], elmo.load(TINY, token_cache_size=0).embed(sentence)[0],
                               atol=1e-6)


def test_token_vectors_from_other_weights_are_refused(tmp_path):
    from elmo import ModelFileError
    from elmo.embed.token_vectors import load_token_vectors, save_token_vectors
    source = elmo.load(TINY)
    source.precompute_tokens(["word"])
    save_token_vectors(source, tmp_path / "tokens.npz")
    other = elmo.load(TINY)
    with torch.no_grad():
        other.bilm.token_encoder.projection.bias.add_(0.1)
    with pytest.raises(ModelFileError, match="different weights"):
        load_token_vectors(other, tmp_path / "tokens.npz")
