"""LSTM with a projected, clipped recurrent state; several directions can run side by side."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class ProjectedLSTM(nn.Module):
    """One LSTM layer whose hidden state is projected to a smaller width and clipped.

    Matches the original TensorFlow cell (``LSTMCell`` with ``num_proj``), gates in its order
    i, j, f, o and ``forget_bias`` added to the forget gate::

        c_t = clip(sigmoid(f + forget_bias) * c_{t-1} + sigmoid(i) * tanh(j), cell_clip)
        h_t = clip((sigmoid(o) * tanh(c_t)) W_p, proj_clip)

    ``h_t`` is both the output and the recurrent state. The input part of all gates is computed for
    the whole sequence in one matrix product; only the recurrent part runs step by step.

    Args:
        input_size: width of the inputs.
        hidden_size: number of memory cells.
        projection_size: width of the projected state and of the outputs.
        cell_clip, proj_clip: clip values, or None for no clipping.
        forget_bias: constant added to the forget gate (not part of the stored bias).

    Inputs: inputs, batch_sizes, state
        - inputs: (B, T, input_size), rows sorted by decreasing length.
        - batch_sizes: list of T ints, the number of rows still running at each step.
        - state: (h, c) of shapes (B, projection_size) and (B, hidden_size).

    Outputs: outputs, (h_n, c_n)
        - outputs: (B, T, projection_size), zero after each row's end.
        - h_n, c_n: each row's state after its last step.
    """

    def __init__(self, input_size: int, hidden_size: int, projection_size: int,
                 cell_clip: float | None = None, proj_clip: float | None = None,
                 forget_bias: float = 1.0) -> None:
        super().__init__()
        self.input_linear = nn.Linear(input_size, 4 * hidden_size)
        self.state_linear = nn.Linear(projection_size, 4 * hidden_size, bias=False)
        self.projection = nn.Linear(hidden_size, projection_size, bias=False)
        self.hidden_size = hidden_size
        self.projection_size = projection_size
        self.cell_clip = cell_clip
        self.proj_clip = proj_clip
        self.forget_bias = forget_bias

    def forward(self, inputs: torch.Tensor, batch_sizes: list[int],
                state: tuple[torch.Tensor, torch.Tensor],
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        outputs, (h, c) = run_side_by_side([self], inputs.unsqueeze(0), batch_sizes,
                                           (state[0].unsqueeze(0), state[1].unsqueeze(0)))
        return outputs[0], (h[0], c[0])


def run_side_by_side(lstms: Sequence[ProjectedLSTM], inputs: torch.Tensor, batch_sizes: list[int],
                     state: tuple[torch.Tensor, torch.Tensor],
                     ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """Run S equally shaped layers (e.g. the forward and backward direction) in the same steps.

    Their weights are stacked so that every step is one batched product per matrix; the results are
    what each layer computes on its own.

    Shapes: inputs (S, B, T, input_size); state (S, B, projection_size), (S, B, hidden_size)
    -> outputs (S, B, T, projection_size), final (h, c) like ``state``.
    """
    first = lstms[0]
    hidden = first.hidden_size
    input_weight = torch.stack([lstm.input_linear.weight.t() for lstm in lstms])  # (S, I, 4H)
    bias = torch.stack([lstm.input_linear.bias for lstm in lstms])  # (S, 4H)
    forget = torch.zeros_like(bias[0])
    forget[2 * hidden: 3 * hidden] = first.forget_bias
    state_weight = torch.stack([lstm.state_linear.weight.t() for lstm in lstms])  # (S, P, 4H)
    projection_weight = torch.stack([lstm.projection.weight.t() for lstm in lstms])  # (S, H, P)
    sides, batch, length, _ = inputs.shape
    # Time-major, so that each step reads and writes contiguous rows.
    time_major = inputs.transpose(1, 2).reshape(sides, length * batch, -1)
    input_gates = torch.baddbmm((bias + forget).unsqueeze(1), time_major, input_weight)
    input_gates = input_gates.view(sides, length, batch, 4 * hidden)
    h, c = state
    outputs = inputs.new_zeros(sides, length, batch, first.projection_size)
    for step, running in enumerate(batch_sizes):
        gates = torch.baddbmm(input_gates[:, step, :running], h[:, :running], state_weight)
        sigmoids = torch.sigmoid(gates)  # (S, b, 4H); the j block is replaced by tanh below
        cell = (sigmoids[..., 2 * hidden: 3 * hidden] * c[:, :running]
                + sigmoids[..., :hidden] * torch.tanh(gates[..., hidden: 2 * hidden]))
        if first.cell_clip is not None:
            cell = torch.clamp(cell, -first.cell_clip, first.cell_clip)
        projected = torch.bmm(sigmoids[..., 3 * hidden:] * torch.tanh(cell), projection_weight)
        if first.proj_clip is not None:
            projected = torch.clamp(projected, -first.proj_clip, first.proj_clip)
        outputs[:, step, :running] = projected
        if running < h.shape[1]:
            h = torch.cat([projected, h[:, running:]], dim=1)
            c = torch.cat([cell, c[:, running:]], dim=1)
        else:
            h, c = projected, cell
    return outputs.transpose(1, 2), (h, c)
