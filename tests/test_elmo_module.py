import numpy as np
import pytest
import torch
from conftest import TINY

import elmo
from elmo import Elmo, InputError, batch_to_ids

SENTENCES = [["I", "play", "chess", "."], ["A", "play", "on", "stage"], ["Hi"]]


def test_elmo_outputs_equal_the_scalar_mix_of_the_layers():
    module = Elmo(TINY, num_output_representations=2, dropout=0.0)
    with torch.no_grad():
        module.mixer.scalar_mixes[0].scalar_parameters.copy_(torch.tensor([1.0, -0.5, 0.25]))
        module.mixer.scalar_mixes[0].gamma.fill_(2.0)
        out = module(batch_to_ids(SENTENCES))
    layers = elmo.load(TINY).embed(SENTENCES)
    weights = torch.softmax(torch.tensor([1.0, -0.5, 0.25]), 0).numpy()
    for row, vectors in enumerate(layers):
        n = vectors.shape[1]
        expected = 2.0 * np.tensordot(weights, vectors, axes=1)
        np.testing.assert_allclose(out["elmo_representations"][0][row, :n].numpy(), expected, atol=1e-5)
        np.testing.assert_allclose(out["elmo_representations"][1][row, :n].numpy(),
                                   vectors.mean(axis=0), atol=1e-5)
        assert out["mask"][row].sum() == n


def test_top_mode_returns_the_top_layer_without_parameters():
    module = Elmo(TINY, num_output_representations=1, dropout=0.0, mix="top")
    out = module(batch_to_ids(SENTENCES))
    assert not [p for p in module.parameters() if p.requires_grad]
    np.testing.assert_allclose(out["elmo_representations"][0].detach().numpy(),
                               out["layers"][-1].numpy())


def test_bilm_is_frozen_by_default_and_only_the_mix_learns():
    module = Elmo(TINY, num_output_representations=1)
    module.train()
    module(batch_to_ids(SENTENCES))["elmo_representations"][0].sum().backward()
    assert all(p.grad is None for p in module.bilm.parameters())
    assert module.mixer.scalar_mixes[0].scalar_parameters.grad is not None
    assert not module.bilm.training


def test_requires_grad_fine_tunes_the_bilm():
    module = Elmo(TINY, num_output_representations=1, requires_grad=True)
    module(batch_to_ids(SENTENCES))["elmo_representations"][0].sum().backward()
    grads = [p.grad for p in module.bilm.token_encoder.parameters()]
    assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)


def test_dropout_applies_in_training_and_not_at_inference():
    module = Elmo(TINY, num_output_representations=1, dropout=0.5)
    ids = batch_to_ids(SENTENCES)
    module.eval()
    first, second = (module(ids)["elmo_representations"][0] for _ in range(2))
    assert torch.equal(first, second)
    module.train()
    dropped = module(ids)["elmo_representations"][0]
    assert (dropped[module(ids)["mask"]] == 0).float().mean() > 0.3


def test_keep_sentence_boundaries_adds_two_positions():
    module = Elmo(TINY, num_output_representations=1, keep_sentence_boundaries=True)
    out = module(batch_to_ids(SENTENCES))
    assert out["elmo_representations"][0].shape == (3, 6, 32)
    assert out["mask"].sum(1).tolist() == [6, 6, 3]


def test_l2_penalty_sums_the_mix_weights_squares():
    module = Elmo(TINY, num_output_representations=2)
    with torch.no_grad():
        module.mixer.scalar_mixes[0].scalar_parameters.fill_(1.0)
    assert module.l2_penalty().item() == pytest.approx(3.0)


def test_vocab_to_cache_gives_the_same_vectors():
    plain = Elmo(TINY, num_output_representations=1, dropout=0.0)
    cached = Elmo(TINY, num_output_representations=1, dropout=0.0, vocab_to_cache=["I", "play", "chess"])
    assert len(cached.token_cache) >= 3
    ids = batch_to_ids(SENTENCES)
    np.testing.assert_allclose(cached(ids)["layers"].numpy(), plain(ids)["layers"].numpy(), atol=1e-6)


def test_word_inputs_are_rejected_by_a_character_input_model():
    module = Elmo(TINY, num_output_representations=1)
    with pytest.raises(InputError, match="not used by this character-input model"):
        module(batch_to_ids(SENTENCES), word_inputs=torch.zeros(3, 4, dtype=torch.long))


@pytest.fixture()
def thirty_character_model(tmp_path, tiny_model_dir):
    """The tiny model read with 30 characters per token (the CNN's weights fit any width)."""
    import json
    import shutil
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    options = json.loads((folder / "options.json").read_text())
    options["char_cnn"]["max_characters_per_token"] = 30
    (folder / "options.json").write_text(json.dumps(options))
    return folder


def test_a_model_with_other_characters_per_token_reads_them_in_elmo_and_the_embedder(
        thirty_character_model):
    sentences = [["a" * 40, "short"], ["tokens"]]
    module = Elmo(thirty_character_model, dropout=0.0, mix="top")
    assert module.max_characters == 30
    out = module(batch_to_ids(sentences, max_characters=module.max_characters))
    expected = elmo.load(thirty_character_model).embed(sentences)
    for row, vectors in enumerate(expected):
        np.testing.assert_allclose(out["elmo_representations"][0][row, : vectors.shape[1]].numpy(),
                                   vectors[-1], atol=1e-6)
    # the long token is cut to 28 bytes, as the model's own width says
    cut = elmo.load(thirty_character_model).embed([["a" * 28, "short"]])[0]
    np.testing.assert_allclose(expected[0], cut, atol=1e-6)


def test_character_ids_of_another_width_are_refused_with_the_way_to_make_them(
        thirty_character_model):
    module = Elmo(thirty_character_model, dropout=0.0)
    with pytest.raises(InputError, match=r"max_characters=30"):
        module(batch_to_ids(SENTENCES))


def test_a_trainable_biLM_has_no_token_cache_and_a_frozen_one_is_used():
    assert Elmo(TINY, requires_grad=True).token_cache is None
    frozen = Elmo(TINY)
    frozen(batch_to_ids(SENTENCES))
    assert len(frozen.token_cache) > 0


def test_a_state_dict_saved_before_the_mixes_moved_into_mixer_still_loads():
    module = Elmo(TINY, dropout=0.0)
    old = {key.replace("mixer.", ""): value.clone() + 1.0 for key, value in module.state_dict().items()
           if key.startswith("mixer.")}
    assert "scalar_mixes.0.gamma" in old
    module.load_state_dict({**{k: v for k, v in module.state_dict().items()
                               if not k.startswith("mixer.")}, **old})
    assert module.mixer.scalar_mixes[0].gamma.item() == 2.0


def test_the_layer_pickles_and_a_copy_keeps_its_own_cache(tmp_path):
    import copy
    module = Elmo(TINY, dropout=0.0)
    module(batch_to_ids(SENTENCES))
    torch.save(module, tmp_path / "layer.pt")
    twin = copy.deepcopy(module)
    twin.bilm.token_encoder.load_state_dict(twin.bilm.token_encoder.state_dict())
    assert len(twin.token_cache) == 0 and len(module.token_cache) > 0
