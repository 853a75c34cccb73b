import numpy as np
import pytest
import torch
from reference_math import bilm_float64, char_cnn_float64, lstm_float64

from elmo.config import BiLMConfig
from elmo.data.chars import batch_to_ids, token_to_char_ids
from elmo.modules.bilm import BiLM, remove_sentence_markers
from elmo.modules.char_cnn import CharacterCNN
from elmo.modules.lstm import ProjectedLSTM
from elmo.modules.scalar_mix import ScalarMix

TOKENS = ["a", "of", "play", "unbelievable", "苹果", "x" * 40, "y" * 44, "z" * 47, "w" * 60,
          "é" * 30, "<S>", "</S>"]


def _random_bilm(skip: bool, activation: str = "relu", seed: int = 0) -> BiLM:
    torch.manual_seed(seed)
    options = {"char_cnn": {"activation": activation, "embedding": {"dim": 5},
                            "filters": [[1, 4], [3, 6], [7, 8]], "n_highway": 2,
                            "n_characters": 262, "max_characters_per_token": 50},
               "lstm": {"dim": 12, "projection_dim": 6, "n_layers": 3, "cell_clip": 0.5,
                        "proj_clip": 0.4, "use_skip_connections": skip}}
    bilm = BiLM(BiLMConfig.from_options(options)).eval()
    with torch.no_grad():
        for parameter in bilm.parameters():
            parameter.uniform_(-0.6, 0.6)
    return bilm


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_char_cnn_equals_convolution_over_all_fifty_positions(activation):
    torch.manual_seed(1)
    cnn = CharacterCNN(262, 5, ((1, 4), (2, 3), (5, 6), (7, 9)), 50, activation)
    with torch.no_grad():
        for parameter in cnn.parameters():
            parameter.uniform_(-1, 1)
    ids = torch.from_numpy(np.stack([token_to_char_ids(t) for t in TOKENS]))
    with torch.no_grad():
        fast = cnn(ids).double().numpy()
    np.testing.assert_allclose(fast, char_cnn_float64(cnn, ids), rtol=0, atol=1e-5)


def test_projected_lstm_matches_the_original_cell_in_float64_for_each_direction():
    torch.manual_seed(2)
    lstm = ProjectedLSTM(5, 8, 4, cell_clip=0.3, proj_clip=0.2, directions=2)
    with torch.no_grad():
        for parameter in lstm.parameters():
            parameter.uniform_(-1, 1)
    inputs = torch.randn(2, 2, 7, 5)
    h0, c0 = torch.randn(2, 2, 4) * 0.1, torch.randn(2, 2, 8) * 0.1
    with torch.no_grad():
        outputs, (h, c) = lstm(inputs, [2, 2, 2, 2, 1, 1, 1], (h0, c0))
    for direction in range(2):
        for row, length in enumerate((7, 4)):
            expected, h_ref, c_ref = lstm_float64(
                lstm, direction, inputs[direction, row, :length].double().numpy(),
                h0[direction, row].double().numpy(), c0[direction, row].double().numpy())
            np.testing.assert_allclose(outputs[direction, row, :length].numpy(), expected, atol=1e-6)
            np.testing.assert_allclose(h[direction, row].numpy(), h_ref, atol=1e-6)
            np.testing.assert_allclose(c[direction, row].numpy(), c_ref, atol=1e-6)
    assert (outputs[:, 1, 4:] == 0).all()


@pytest.mark.parametrize("skip", [False, True])
def test_bilm_layers_match_a_float64_reference_with_and_without_skip_connections(skip):
    bilm = _random_bilm(skip)
    sentences = [["The", "play", "was", "long", "."], ["苹果", "y" * 60]]
    with torch.no_grad():
        output = bilm(batch_to_ids(sentences))
    for row, sentence in enumerate(sentences):
        expected = bilm_float64(bilm, sentence)
        np.testing.assert_allclose(output.layers[:, row, : len(sentence) + 2].numpy(), expected,
                                   rtol=0, atol=2e-5)
        assert (output.layers[:, row, len(sentence) + 2:] == 0).all()


def test_stateless_outputs_do_not_depend_on_the_batch_or_earlier_calls():
    bilm = _random_bilm(skip=True)
    sentence = ["a", "short", "sentence"]
    others = [["x"] * 9, ["completely", "different", "words", "here"], []]
    with torch.no_grad():
        alone = remove_sentence_markers(*bilm(batch_to_ids([sentence]))[:2])[0][:, 0]
        for position in range(3):
            batch = others[:position] + [sentence] + others[position:]
            layers, _ = remove_sentence_markers(*bilm(batch_to_ids(batch))[:2])
            np.testing.assert_allclose(layers[:, position, :3].numpy(), alone.numpy(),
                                       rtol=0, atol=1e-6)


def test_final_state_is_taken_after_each_rows_last_position():
    bilm = _random_bilm(skip=False)
    with torch.no_grad():
        batch = bilm(batch_to_ids([["one", "two", "three"], ["one"]]))
        single = bilm(batch_to_ids([["one"]]))
    np.testing.assert_allclose(batch.state.h[:, :, 1].numpy(), single.state.h[:, :, 0].numpy(),
                               atol=1e-6)
    np.testing.assert_allclose(batch.state.c[:, :, 1].numpy(), single.state.c[:, :, 0].numpy(),
                               atol=1e-6)


def test_removing_sentence_markers_keeps_exactly_the_tokens():
    bilm = _random_bilm(skip=False)
    with torch.no_grad():
        output = bilm(batch_to_ids([["a", "b", "c"], ["d"]]))
    layers, mask = remove_sentence_markers(output.layers, output.mask)
    assert mask.tolist() == [[True, True, True], [True, False, False]]
    np.testing.assert_array_equal(layers[:, 0].numpy(), output.layers[:, 0, 1:4].numpy())
    np.testing.assert_array_equal(layers[:, 1, 0].numpy(), output.layers[:, 1, 1].numpy())
    assert (layers[:, 1, 1:] == 0).all()


def test_scalar_mix_is_gamma_times_softmax_weighted_sum():
    mix = ScalarMix(3, initial_weights=[0.5, -1.0, 2.0], initial_gamma=1.7)
    layers = torch.randn(3, 2, 4, 5)
    weights = np.exp([0.5, -1.0, 2.0]) / np.exp([0.5, -1.0, 2.0]).sum()
    expected = 1.7 * np.tensordot(weights, layers.double().numpy(), axes=1)
    np.testing.assert_allclose(mix(layers).detach().numpy(), expected, atol=1e-5)
    assert mix.l2_penalty().item() == pytest.approx(0.25 + 1.0 + 4.0)


def test_scalar_mix_layer_norm_uses_only_unmasked_positions():
    mix = ScalarMix(2, do_layer_norm=True)
    layers = torch.randn(2, 2, 3, 4)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    layers[:, ~mask] = 1000.0  # padding must not influence the statistics
    normalised = []
    for layer in layers.double().numpy():
        values = layer[mask.numpy()]
        normalised.append((layer - values.mean()) / np.sqrt(values.var() + 1e-12))
    expected = 0.5 * (normalised[0] + normalised[1])
    got = mix(layers, mask).detach().numpy()
    np.testing.assert_allclose(got[mask.numpy()], expected[mask.numpy()], atol=1e-5)


def test_scalar_mix_weights_receive_gradients():
    mix = ScalarMix(3)
    mix(torch.randn(3, 2, 4, 5)).sum().backward()
    assert mix.scalar_parameters.grad is not None and mix.gamma.grad is not None
