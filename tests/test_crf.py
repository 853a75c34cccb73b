"""The linear-chain CRF against brute-force enumeration of every tag sequence (float64)."""
from __future__ import annotations

import itertools

import torch

from elmo.heads.crf import CRF, bio_constraints


def _random_crf(n_tags: int, seed: int) -> CRF:
    torch.manual_seed(seed)
    crf = CRF(n_tags).double()
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.normal_()
    return crf


def _brute_force(crf: CRF, emissions: torch.Tensor, length: int) -> dict[tuple[int, ...], float]:
    """Score of every tag sequence of one sentence (emissions (T, n_tags)), from the definition."""
    scores = {}
    for tags in itertools.product(range(crf.n_tags), repeat=length):
        total = crf.start[tags[0]] + crf.end[tags[-1]]
        total = total + sum(emissions[t, tag] for t, tag in enumerate(tags))
        total = total + sum(crf.transitions[a, b] for a, b in itertools.pairwise(tags))
        scores[tags] = float(total.detach())
    return scores


def test_score_of_a_sequence_is_start_emissions_transitions_end():
    crf = CRF(2).double()
    with torch.no_grad():
        crf.start.copy_(torch.tensor([0.5, -1.0], dtype=torch.float64))
        crf.end.copy_(torch.tensor([0.25, 2.0], dtype=torch.float64))
        crf.transitions.copy_(torch.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=torch.float64))
    emissions = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]], dtype=torch.float64)
    mask = torch.tensor([[True, True, False]])
    tags = torch.tensor([[0, 1, 1]])
    # start[0] + e[0,0] + trans[0,1] + e[1,1] + end[1] = 0.5 + 1 + 0.2 + 4 + 2
    assert abs(crf.score(emissions, tags, mask).item() - 7.7) < 1e-12


def test_log_partition_matches_enumeration_for_rows_of_different_lengths():
    crf = _random_crf(3, seed=0)
    emissions = torch.randn(2, 4, 3, dtype=torch.float64)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    log_z = crf.log_partition(emissions, mask)
    for row, length in enumerate((4, 2)):
        scores = torch.tensor(list(_brute_force(crf, emissions[row], length).values()), dtype=torch.float64)
        assert torch.allclose(log_z[row], torch.logsumexp(scores, 0), atol=1e-10)


def test_probabilities_of_all_sequences_sum_to_one():
    crf = _random_crf(2, seed=1)
    emissions = torch.randn(1, 3, 2, dtype=torch.float64)
    mask = torch.ones(1, 3, dtype=torch.bool)
    total = sum(torch.exp(-crf.neg_log_likelihood(emissions, torch.tensor([tags]), mask))
                for tags in itertools.product(range(2), repeat=3))
    assert abs(float(total.detach()) - 1.0) < 1e-10


def test_viterbi_finds_the_highest_scoring_sequence():
    crf = _random_crf(3, seed=2)
    emissions = torch.randn(3, 5, 3, dtype=torch.float64)
    mask = torch.tensor([[True] * 5, [True] * 3 + [False] * 2, [True] + [False] * 4])
    decoded = crf.decode(emissions, mask)
    for row, length in enumerate((5, 3, 1)):
        scores = _brute_force(crf, emissions[row], length)
        assert tuple(decoded[row]) == max(scores, key=scores.get)
        assert len(decoded[row]) == length


def test_bio_constraints_allow_inside_tags_only_after_their_own_kind():
    labels = ["B-n", "B-v", "I-n", "I-v", "O"]
    allowed, starts = bio_constraints(labels)
    ok = {(a, b) for a in labels for b in labels if allowed[labels.index(a), labels.index(b)]}
    assert ("B-n", "I-n") in ok and ("I-n", "I-n") in ok and ("O", "B-v") in ok
    assert ("B-v", "I-n") not in ok and ("O", "I-n") not in ok and ("I-v", "I-n") not in ok
    assert [label for label, ok in zip(labels, starts) if ok] == ["B-n", "B-v", "O"]
    assert bio_constraints(["NN", "VB"]) is None  # not BIO: no constraints


def test_constrained_partition_and_viterbi_cover_exactly_the_allowed_paths():
    labels = ["B-a", "I-a", "B-b", "I-b"]
    constraints = bio_constraints(labels)
    crf = _random_crf(4, seed=3)
    constrained = CRF(4, constraints).double()
    constrained.load_state_dict(crf.state_dict())
    emissions = torch.randn(1, 4, 4, dtype=torch.float64)
    mask = torch.ones(1, 4, dtype=torch.bool)
    allowed, starts = constraints
    valid = {tags: score for tags, score in _brute_force(crf, emissions[0], 4).items()
             if starts[tags[0]] and all(allowed[a, b] for a, b in itertools.pairwise(tags))}
    expected = torch.logsumexp(torch.tensor(list(valid.values()), dtype=torch.float64), 0)
    assert torch.allclose(constrained.log_partition(emissions, mask)[0], expected)
    assert tuple(constrained.decode(emissions, mask)[0]) == max(valid, key=valid.get)
    assert constrained.state_dict().keys() == crf.state_dict().keys()  # nothing new is saved
