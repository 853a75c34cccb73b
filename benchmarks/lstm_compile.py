"""The LSTM layer's forward + backward in training, eager against `torch.compile` (fused gate
arithmetic), with the compilation time and the largest output difference.

    python benchmarks/lstm_compile.py [--threads 2]

One layer of the en-small recipe's sizes (512 cells, projection 128, both directions side by side,
cell and projection clipping at 3), batch 64 x 20 steps, random weights and inputs.
"""
from __future__ import annotations

import argparse
import time

import torch

from elmo.modules.lstm import ProjectedLSTM

SIDES, BATCH, STEPS, PROJECTION, CELLS = 2, 64, 20, 128, 512


def milliseconds(layer, inputs, state, repeats: int = 10) -> float:
    """Mean wall time of forward + backward after 3 warm-up passes."""
    lengths = [BATCH] * STEPS
    for _ in range(3):
        layer(inputs, lengths, state)[0].sum().backward()
    start = time.perf_counter()
    for _ in range(repeats):
        layer(inputs, lengths, state)[0].sum().backward()
    return 1000 * (time.perf_counter() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layer = ProjectedLSTM(PROJECTION, CELLS, PROJECTION, 3.0, 3.0, directions=SIDES)
    inputs = torch.randn(SIDES, BATCH, STEPS, PROJECTION, requires_grad=True)
    state = (torch.zeros(SIDES, BATCH, PROJECTION), torch.zeros(SIDES, BATCH, CELLS))
    eager = milliseconds(layer, inputs, state)
    start = time.perf_counter()
    compiled = torch.compile(layer, dynamic=False)
    compiled(inputs, [BATCH] * STEPS, state)[0].sum().backward()
    compile_seconds = time.perf_counter() - start
    fused = milliseconds(compiled, inputs, state)
    with torch.no_grad():
        difference = (layer(inputs, [BATCH] * STEPS, state)[0]
                      - compiled(inputs, [BATCH] * STEPS, state)[0]).abs().max().item()
    print(f"forward + backward per batch: eager {eager:.0f} ms, compiled {fused:.0f} ms "
          f"({eager / fused:.2f}x); compilation {compile_seconds:.0f} s; largest difference "
          f"{difference:.1e}")


if __name__ == "__main__":
    main()
