"""Linear-chain conditional random field: sentence log-likelihood and Viterbi decoding, with
optional hard constraints on which tag may follow which (BIO tags: ``I-x`` only after ``B-x`` or
``I-x``)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

FORBIDDEN = -1e4  # added to the score of a forbidden transition: exp() of it is 0 in float32


def bio_constraints(labels: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor] | None:
    """For BIO labels (each ``O``, ``B-x`` or ``I-x``): which transitions are allowed, (n, n) bool
    ``[from, to]``, and which tags may start a sentence, (n,) bool. None for other label sets."""
    if not all(label == "O" or label[:2] in ("B-", "I-") for label in labels):
        return None
    inside = [label[2:] if label.startswith("I-") else None for label in labels]
    kind = [label[2:] if label != "O" else None for label in labels]
    allowed = torch.tensor([[inside[to] is None or kind[source] == inside[to]
                             for to in range(len(labels))] for source in range(len(labels))])
    return allowed, torch.tensor([entry is None for entry in inside])


class CRF(nn.Module):
    """Scores a tag sequence as ``start[y_1] + sum_t emit[t, y_t] + sum_t trans[y_t, y_t+1] + end[y_T]``.

    Args:
        n_tags: number of tags.
        constraints: (allowed transitions (n_tags, n_tags) bool ``[from, to]``, allowed first
            tags (n_tags,) bool), e.g. :func:`bio_constraints`; forbidden paths get no
            probability and are never decoded. None: every path is allowed.

    Inputs (all methods): emissions (B, T, n_tags) float; mask (B, T) bool with each row's real
    positions a non-empty prefix; tags (B, T) long where needed.
    """

    def __init__(self, n_tags: int,
                 constraints: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
        super().__init__()
        self.n_tags = n_tags
        self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))  # [from, to]
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))
        allowed, starts = constraints or (torch.ones(n_tags, n_tags, dtype=torch.bool),
                                          torch.ones(n_tags, dtype=torch.bool))
        # not saved with the weights: they follow from the labels
        self.register_buffer("transition_penalty", (~allowed).float() * FORBIDDEN, persistent=False)
        self.register_buffer("start_penalty", (~starts).float() * FORBIDDEN, persistent=False)

    def _allowed_scores(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Transition and start scores with forbidden ones pushed to ``FORBIDDEN``."""
        return (self.transitions + self.transition_penalty.to(self.transitions.dtype),
                self.start + self.start_penalty.to(self.start.dtype))

    def score(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Unnormalised score of the given tags: (B,)."""
        transitions, start = self._allowed_scores()
        maskf = mask.to(emissions.dtype)
        emitted = emissions.gather(-1, tags.unsqueeze(-1)).squeeze(-1)  # (B, T)
        total = start[tags[:, 0]] + (emitted * maskf).sum(1)
        total = total + (transitions[tags[:, :-1], tags[:, 1:]] * maskf[:, 1:]).sum(1)
        last = tags.gather(1, (mask.sum(1, keepdim=True) - 1).clamp(min=0)).squeeze(1)
        return total + self.end[last]

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log sum over all tag sequences of exp(score), by the forward algorithm: (B,).

        Each step's ``logsumexp_i(alpha_i + trans_ij)`` is computed as ``log(exp(alpha - max)
        @ exp(trans - column max)) + max + column max``: one matrix product instead of an
        exponential per (sentence, tag, tag), in float64 so that paths far below the best one
        still count (a sum that underflows to 0 is floored at 1e-300, never -inf).
        """
        transitions, start = self._allowed_scores()
        column_top = transitions.max(dim=0).values  # (n_tags,) best way into each tag
        weights = (transitions - column_top).double().exp()  # (n_tags, n_tags), forbidden -> 0
        steps = emissions.unbind(1)  # one view per position: the backward pass stacks once
        keep = mask.unbind(1)
        alpha = start + steps[0]  # (B, n_tags)
        for t in range(1, len(steps)):
            top = alpha.max(dim=1, keepdim=True).values.detach()  # (B, 1)
            summed = (alpha - top).double().exp() @ weights  # (B, n_tags)
            step = summed.clamp_min(1e-300).log().to(alpha.dtype) + top + column_top + steps[t]
            alpha = torch.where(keep[t].unsqueeze(1), step, alpha)
        return torch.logsumexp(alpha + self.end, dim=1)

    def neg_log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor,
                           ) -> torch.Tensor:
        """Mean over the batch of ``-log p(tags | emissions)``: scalar."""
        return (self.log_partition(emissions, mask) - self.score(emissions, tags, mask)).mean()

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """The highest-scoring allowed tag sequence of each row (Viterbi), cut to its length."""
        transitions, start = self._allowed_scores()
        score = start + emissions[:, 0]  # (B, n_tags)
        backpointers = []
        for t in range(1, emissions.shape[1]):
            best, index = (score.unsqueeze(2) + transitions).max(dim=1)  # (B, n_tags)
            keep = mask[:, t].unsqueeze(1)
            score = torch.where(keep, best + emissions[:, t], score)
            # where a row has ended, point each tag to itself so the walk back passes through
            identity = torch.arange(self.n_tags, device=index.device).expand_as(index)
            backpointers.append(torch.where(keep, index, identity))
        best_last = (score + self.end).argmax(dim=1)  # (B,)
        paths = [best_last]
        for pointers in reversed(backpointers):
            paths.append(pointers.gather(1, paths[-1].unsqueeze(1)).squeeze(1))
        tags = torch.stack(paths[::-1], dim=1).tolist()  # (B, T)
        return [row[: int(n)] for row, n in zip(tags, mask.sum(1).tolist())]
