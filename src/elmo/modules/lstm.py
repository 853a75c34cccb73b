"""LSTM with a projected, clipped recurrent state, one layer and one direction at a time."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


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
                state: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor,
                                                                   tuple[torch.Tensor, torch.Tensor]]:
        hidden = self.hidden_size
        bias = self.input_linear.bias.clone()
        bias[2 * hidden: 3 * hidden] += self.forget_bias
        # Time-major, so that each step reads and writes contiguous rows.
        input_gates = F.linear(inputs.transpose(0, 1), self.input_linear.weight, bias)  # (T, B, 4H)
        state_weight = self.state_linear.weight.t()  # (P, 4H)
        projection_weight = self.projection.weight.t()  # (H, P)
        h, c = state
        outputs = inputs.new_zeros(inputs.shape[1], inputs.shape[0], self.projection_size)
        for step, running in enumerate(batch_sizes):
            gates = torch.addmm(input_gates[step, :running], h[:running], state_weight)  # (b, 4H)
            sigmoids = torch.sigmoid(gates)
            cell = (sigmoids[:, 2 * hidden: 3 * hidden] * c[:running]
                    + sigmoids[:, :hidden] * torch.tanh(gates[:, hidden: 2 * hidden]))
            if self.cell_clip is not None:
                cell = torch.clamp(cell, -self.cell_clip, self.cell_clip)
            projected = torch.mm(sigmoids[:, 3 * hidden:] * torch.tanh(cell), projection_weight)
            if self.proj_clip is not None:
                projected = torch.clamp(projected, -self.proj_clip, self.proj_clip)
            outputs[step, :running] = projected
            if running < h.shape[0]:
                h = torch.cat([projected, h[running:]])
                c = torch.cat([cell, c[running:]])
            else:
                h, c = projected, cell
        return outputs.transpose(0, 1), (h, c)
