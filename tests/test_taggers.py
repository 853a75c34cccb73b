"""Task model components: layer mixing, token input, BiLSTM(-CRF) tagger, classifier heads."""
from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from elmo.heads.classifiers import ENCODERS, SentenceClassifier, masked_max
from elmo.heads.taggers import BiLSTMEncoder, SequenceTagger
from elmo.heads.token_input import TaskInputs, TokenInput
from elmo.modules.scalar_mix import LayerMix
from elmo.tasks.trainer import TaskOptimizer

B, T, L1, D = 2, 5, 3, 8


def _batch():
    torch.manual_seed(0)
    token_ids = torch.randint(2, 20, (B, T))
    mask = torch.tensor([[True] * T, [True] * 3 + [False] * 2])
    layers = torch.randn(L1, B, T, D)
    return token_ids, mask, layers


def test_bilstm_encoder_equals_a_packed_bidirectional_lstm_in_float64():
    torch.manual_seed(0)
    encoder = BiLSTMEncoder(7, 5, n_layers=2).double()
    reference = torch.nn.LSTM(7, 5, 2, batch_first=True, bidirectional=True).double()
    for k in range(2):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(reference, f"{name}_l{k}").data.copy_(getattr(encoder.forward_lstms[k], f"{name}_l0"))
            getattr(reference, f"{name}_l{k}_reverse").data.copy_(
                getattr(encoder.backward_lstms[k], f"{name}_l0"))
    inputs = torch.randn(4, 9, 7, dtype=torch.float64)
    lengths = torch.tensor([9, 3, 6, 1])
    packed, _ = reference(pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False))
    expected, _ = pad_packed_sequence(packed, batch_first=True, total_length=9)
    mask = torch.arange(9) < lengths.unsqueeze(1)
    assert torch.allclose(encoder(inputs, mask), expected, atol=1e-12, rtol=0)


def test_top_mix_returns_the_top_layer_and_learned_mix_starts_as_the_average():
    _, mask, layers = _batch()
    top = LayerMix(L1, mode="top", dropout=0.0)(layers, mask)[0]
    assert torch.equal(top, layers[-1])
    learned = LayerMix(L1, mode="learned", dropout=0.0)
    assert torch.allclose(learned(layers, mask)[0], layers.mean(0), atol=1e-6)
    assert learned.l2_penalty().item() == 0.0
    assert learned.layer_weights == [[pytest.approx(1 / 3)] * 3]


def test_l2_penalty_is_the_squared_norm_of_the_mix_weights():
    mixer = LayerMix(L1, n_outputs=2)
    with torch.no_grad():
        mixer.scalar_mixes[0].scalar_parameters.copy_(torch.tensor([1.0, 2.0, 0.0]))
    assert mixer.l2_penalty().item() == pytest.approx(5.0)


def test_token_input_concatenates_word_vectors_and_elmo():
    token_ids, mask, layers = _batch()
    token_input = TokenInput(20, 4, L1, D, elmo_at_output=True, dropout=0.0, elmo_dropout=0.0)
    inputs, output_mix = token_input(TaskInputs(token_ids, mask, layers))
    assert inputs.shape == (B, T, 4 + D) and output_mix.shape == (B, T, D)
    assert torch.equal(inputs[..., :4], token_input.embedding(token_ids))


def test_pretrained_vectors_initialise_the_embedding():
    table = torch.arange(12.0).reshape(3, 4)
    token_input = TokenInput(3, 4, pretrained=table, freeze=True)
    assert torch.equal(token_input.embedding.weight, table)
    assert not token_input.embedding.weight.requires_grad


@pytest.mark.parametrize("crf", [True, False])
def test_tagger_learns_a_tiny_labelling(crf):
    token_ids, mask, layers = _batch()
    tags = token_ids % 3  # a function of the token: learnable from the word vectors alone
    torch.manual_seed(0)
    tagger = SequenceTagger(TokenInput(20, 8, L1, D, dropout=0.0), 3, hidden=16, dropout=0.0, crf=crf)
    optimizer = TaskOptimizer(tagger, lr=0.05, clip_norm=5.0)  # SparseAdam for the tables
    for _ in range(60):
        optimizer.step(tagger.loss(TaskInputs(token_ids, mask, layers), tags))
    predicted = tagger.predict(TaskInputs(token_ids, mask, layers))
    assert [len(p) for p in predicted] == [5, 3]
    assert predicted == [tags[0].tolist(), tags[1, :3].tolist()]


def test_tagger_without_elmo_needs_no_layers():
    token_ids, mask, _ = _batch()
    tagger = SequenceTagger(TokenInput(20, 8), 4, hidden=6)
    assert tagger.emissions(TaskInputs(token_ids, mask)).shape == (B, T, 4)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_classifier_heads_give_class_scores_ignoring_padding(encoder):
    token_ids, mask, layers = _batch()
    torch.manual_seed(0)
    model = SentenceClassifier(TokenInput(20, 4, L1, D, elmo_at_output=True), 2, encoder, hidden=6).eval()
    assert model.logits(TaskInputs(token_ids, mask, layers)).shape == (B, 2)
    changed = token_ids.clone()
    changed[1, 3:] = 7  # padding positions of row 1
    assert torch.allclose(model.logits(TaskInputs(changed, mask, layers))[1],
                          model.logits(TaskInputs(token_ids, mask, layers))[1])


def test_masked_max_ignores_padding():
    values = torch.tensor([[[1.0], [5.0], [9.0]]])
    assert masked_max(values, torch.tensor([[True, True, False]])).item() == 5.0
