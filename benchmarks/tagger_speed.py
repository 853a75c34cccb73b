"""Training-step time of the task tagger's parts against the usual PyTorch formulation.

    python benchmarks/tagger_speed.py [--threads 1] [--repeats 5]

Times forward + backward on random inputs shaped like the PD1998 tagger's batches (320 inputs:
64-d character vectors + zh-char-small's 256-d ELMo mix; 128 cells per direction; 88 tags):
- encoder: ``BiLSTMEncoder`` (both directions on padded tensors, the backward one reversed within
  each row's length) vs a bidirectional ``nn.LSTM`` over packed sequences, same sizes;
- CRF log partition: ``CRF.log_partition`` (positions taken by one ``unbind``, each step one
  float64 matrix product) vs the textbook step, a ``logsumexp`` over (batch, tags, tags) reading
  ``emissions[:, t]`` (an exponential per tag pair, and a full-size gradient per index).
Prints milliseconds per batch and the ratio, by batch size and sentence length, and the largest
difference of the two CRF results.
"""
from __future__ import annotations

import argparse
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from elmo.heads.crf import CRF
from elmo.heads.taggers import BiLSTMEncoder

INPUT_DIM, HIDDEN, TAGS = 320, 128, 88  # 88: B- and I- of PD1998's 44 POS tags


def packed_bilstm(lstm: nn.LSTM, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
    output, _ = lstm(packed)
    return pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])[0]


def textbook_log_partition(crf: CRF, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The forward algorithm as usually written: a logsumexp over every tag pair, reading
    ``emissions[:, t]`` at each step (the formulation replaced)."""
    alpha = crf.start + emissions[:, 0]
    for t in range(1, emissions.shape[1]):
        step = torch.logsumexp(alpha.unsqueeze(2) + crf.transitions, dim=1) + emissions[:, t]
        alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
    return torch.logsumexp(alpha + crf.end, dim=1)


def seconds(step, repeats: int) -> float:
    step()  # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - started) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ours = BiLSTMEncoder(INPUT_DIM, HIDDEN)
    packed = nn.LSTM(INPUT_DIM, HIDDEN, batch_first=True, bidirectional=True)
    crf = CRF(TAGS)
    print(f"forward + backward, ms per batch ({args.threads} thread(s), mean of {args.repeats})")
    print(f"{'batch':>5} {'length':>6} | {'packed LSTM':>11} {'ours':>7} {'ratio':>6} | "
          f"{'CRF textbook':>12} {'ours':>7} {'ratio':>6}")
    largest = 0.0
    for batch in (16, 64):
        for length in (25, 50, 100, 200, 400):
            inputs = torch.randn(batch, length, INPUT_DIM, requires_grad=True)
            lengths = torch.randint(length // 2, length + 1, (batch,))
            lengths[0] = length
            mask = torch.arange(length) < lengths.unsqueeze(1)
            emissions = torch.randn(batch, length, TAGS, requires_grad=True)
            timings = [
                seconds(lambda: packed_bilstm(packed, inputs, lengths).sum().backward(), args.repeats),
                seconds(lambda: ours(inputs, mask).sum().backward(), args.repeats),
                seconds(lambda: textbook_log_partition(crf, emissions, mask).sum().backward(), args.repeats),
                seconds(lambda: crf.log_partition(emissions, mask).sum().backward(), args.repeats),
            ]
            with torch.no_grad():
                difference = (textbook_log_partition(crf, emissions, mask) - crf.log_partition(emissions, mask))
            largest = max(largest, difference.abs().max().item())
            ms = [1000 * t for t in timings]
            print(f"{batch:5d} {length:6d} | {ms[0]:11.1f} {ms[1]:7.1f} {ms[0] / ms[1]:5.1f}x | "
                  f"{ms[2]:12.1f} {ms[3]:7.1f} {ms[2] / ms[3]:5.1f}x")
    print(f"largest |textbook - ours| of the CRF log partition: {largest:.2e}")


if __name__ == "__main__":
    main()
