"""Stored ELMo layers: the biLM's vectors in float16, keyed by weights and content, resumable."""
from __future__ import annotations

import json

import numpy as np

import elmo
from elmo.tasks import features
from elmo.tasks.features import layer_store

SENTENCES = [["The", "cat", "sat"], ["A", "dog"], ["Birds", "fly", "high", "today"]]


def test_stored_layers_are_the_models_vectors_in_float16(tmp_path):
    model = elmo.load("bilm-tf-tiny")
    store = layer_store(model, SENTENCES, cache=tmp_path, progress=False)
    expected = model.embed(SENTENCES)
    assert len(store) == 3
    for i, vectors in enumerate(expected):
        assert store[i].shape == vectors.shape  # (L + 1, n_tokens, D)
        np.testing.assert_allclose(store[i], vectors, rtol=2e-3, atol=2e-3)


def test_the_same_sentences_reuse_the_store_and_other_ones_get_their_own(tmp_path):
    model = elmo.load("bilm-tf-tiny")
    first = layer_store(model, SENTENCES, cache=tmp_path, progress=False)
    assert layer_store(model, SENTENCES, cache=tmp_path, progress=False).folder == first.folder
    assert layer_store(model, SENTENCES[:2], cache=tmp_path, progress=False).folder != first.folder


def test_an_interrupted_fill_resumes_where_it_stopped(tmp_path, monkeypatch):
    model = elmo.load("bilm-tf-tiny")
    monkeypatch.setattr(features, "BLOCK", 1)
    calls = []
    original = model.embed
    monkeypatch.setattr(model, "embed", lambda block, **kw: calls.append(len(block)) or original(block, **kw))
    folder = tmp_path / "features" / features.model_key(model) / features.content_key(SENTENCES)
    folder.mkdir(parents=True)
    layer_store(model, SENTENCES[:1], cache=tmp_path, progress=False)  # unrelated store
    calls.clear()
    offsets = [0, 3, 5, 9]
    array = np.lib.format.open_memmap(folder / "layers.npy", "w+", np.float16, (9, 3, 32))
    array[:3] = original([SENTENCES[0]])[0].transpose(1, 0, 2)
    del array
    (folder / "progress.json").write_text(json.dumps({"done": 1}))
    store = layer_store(model, SENTENCES, cache=tmp_path, progress=False)
    assert calls == [1, 1]  # only sentences 2 and 3 were embedded
    assert store.offsets.tolist() == offsets
    np.testing.assert_allclose(store[0], original([SENTENCES[0]])[0], atol=2e-3)
