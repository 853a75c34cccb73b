"""Output layers of the language model: full, sampled and adaptive softmax over the vocabulary.

Every head offers the same two calls:

- ``training_loss(hidden (N, D), targets (N,)) -> (N,)``: the per-token loss that training
  minimises (for the sampled softmax an estimate, cheaper than the full one);
- ``log_likelihood(hidden (N, D), targets (N,)) -> (N,)``: the exact log-probability of each
  target under the model's full distribution, for perplexity.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from elmo.config import SoftmaxConfig


class FullSoftmax(nn.Module):
    """``softmax(h W^T + b)`` over the whole vocabulary.

    Args:
        dim: width D of the hidden states.
        vocab_size: number of classes V.
    """

    def __init__(self, dim: int, vocab_size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(vocab_size, dim))
        self.bias = nn.Parameter(torch.zeros(vocab_size))
        nn.init.normal_(self.weight, std=1.0 / math.sqrt(dim))

    def log_likelihood(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        logits = F.linear(hidden, self.weight, self.bias)  # (N, V)
        return -F.cross_entropy(logits.float(), targets, reduction="none")

    def training_loss(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return -self.log_likelihood(hidden, targets)


class SampledSoftmax(FullSoftmax):
    """Full-softmax parameters trained with sampled softmax (Jean et al., 2015), as the original.

    Each step draws ``n_samples`` classes from a log-uniform (Zipfian) distribution over ids
    sorted by decreasing frequency, shares them across the batch, and computes the softmax over
    {target} + samples with the usual log-Q correction (each logit minus the log of the expected
    number of times its class is drawn); a sampled class equal to the target is removed. The draw
    comes from ``generator``, seeded by the trainer, so every process of a distributed run draws
    the same classes. Evaluation uses the exact full softmax.
    """

    def __init__(self, dim: int, vocab_size: int, n_samples: int) -> None:
        super().__init__(dim, vocab_size)
        self.n_samples = n_samples
        self.generator = torch.Generator().manual_seed(0)

    def log_uniform_probability(self, classes: torch.Tensor) -> torch.Tensor:
        """P(class) = log((c + 2) / (c + 1)) / log(V + 1)."""
        classes = classes.double()
        return (torch.log1p(1.0 / (classes + 1.0)) / math.log(self.weight.shape[0] + 1.0))

    def sample(self) -> torch.Tensor:
        """Distinct classes from ``n_samples`` log-uniform draws (with replacement), sorted."""
        uniform = torch.rand(self.n_samples, generator=self.generator, dtype=torch.float64)
        draws = torch.exp(uniform * math.log(self.weight.shape[0] + 1.0)).floor().long() - 1
        return torch.unique(draws.clamp_(0, self.weight.shape[0] - 1))

    def expected_log_count(self, classes: torch.Tensor) -> torch.Tensor:
        """log of the probability that a class appears in the draw: 1 - (1 - p)^n_samples."""
        probability = self.log_uniform_probability(classes)
        return torch.log(-torch.expm1(self.n_samples * torch.log1p(-probability))).float()

    def training_loss(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().training_loss(hidden, targets)
        sampled = self.sample().to(targets.device)  # (S,)
        # index_select, not indexing: its backward sums repeated targets in a fixed order
        true_logits = ((hidden * self.weight.index_select(0, targets)).sum(-1)
                       + self.bias.index_select(0, targets)
                       - self.expected_log_count(targets.cpu()).to(hidden.device))  # (N,)
        sampled_logits = (F.linear(hidden, self.weight.index_select(0, sampled),
                                   self.bias.index_select(0, sampled))
                          - self.expected_log_count(sampled.cpu()).to(hidden.device))  # (N, S)
        sampled_logits = sampled_logits.masked_fill(targets.unsqueeze(1) == sampled.unsqueeze(0),
                                                    float("-inf"))  # accidental hits
        logits = torch.cat([true_logits.unsqueeze(1), sampled_logits], dim=1).float()
        return torch.logsumexp(logits, dim=1) - logits[:, 0]


class AdaptiveSoftmax(nn.Module):
    """``nn.AdaptiveLogSoftmaxWithLoss`` (Grave et al., 2017): frequent words in a small head,
    rarer ones in clusters of reduced width. Its loss is the exact negative log-likelihood.

    Args:
        dim: width of the hidden states.
        vocab_size: number of classes (ids sorted by decreasing frequency).
        cutoffs: increasing class ids where clusters start.
        div_value: each cluster's width is divided by this much more.
    """

    def __init__(self, dim: int, vocab_size: int, cutoffs: list[int], div_value: float = 4.0) -> None:
        super().__init__()
        self.adaptive = nn.AdaptiveLogSoftmaxWithLoss(dim, vocab_size, cutoffs, div_value=div_value)

    def log_likelihood(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.adaptive(hidden.float(), targets).output

    def training_loss(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return -self.log_likelihood(hidden, targets)


def build_softmax(config: SoftmaxConfig, dim: int, vocab_size: int) -> nn.Module:
    """The softmax head ``config`` describes, over ``vocab_size`` classes of width ``dim``.

    The adaptive head's default clusters start at 2%, 10% and 40% of the vocabulary.
    """
    if config.type == "full":
        return FullSoftmax(dim, vocab_size)
    if config.type == "sampled":
        return SampledSoftmax(dim, vocab_size, min(config.n_samples, vocab_size))
    cutoffs = config.cutoffs or sorted({max(1, int(vocab_size * f)) for f in (0.02, 0.1, 0.4)})
    return AdaptiveSoftmax(dim, vocab_size, [c for c in cutoffs if 0 < c < vocab_size],
                           config.div_value)
