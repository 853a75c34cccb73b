"""LSTM layers with a projected, clipped recurrent state; the directions of a layer run side by side."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class ProjectedLSTM(nn.Module):
    """One LSTM layer, in ``directions`` independent copies, whose state is projected and clipped.

    Matches the original TensorFlow cell (``LSTMCell`` with ``num_proj``), gates in its order
    i, j, f, o and ``forget_bias`` added to the forget gate::

        c_t = clip(sigmoid(f + forget_bias) * c_{t-1} + sigmoid(i) * tanh(j), cell_clip)
        h_t = clip((sigmoid(o) * tanh(c_t)) W_p, proj_clip)

    ``h_t`` is both the output and the recurrent state. The copies (e.g. the forward and the backward
    direction of a biLM layer, each given its own, already reversed, inputs) share nothing but run in
    the same steps, so each step is one batched product per matrix. The input part of the gates is
    computed for the whole sequence at once; only the recurrent part runs step by step. Weights are
    stored as they multiply, ``x @ W``, like the original.

    Args:
        input_size: width of the inputs.
        hidden_size: number of memory cells H.
        projection_size: width P of the projected state and of the outputs.
        cell_clip, proj_clip: clip values, or None for no clipping.
        forget_bias: constant added to the forget gate (not part of the stored bias).
        directions: number of independent copies S.

    Inputs: inputs, batch_sizes, state
        - inputs: (S, B, T, input_size), rows sorted by decreasing length.
        - batch_sizes: T ints, the number of rows still running at each step.
        - state: (h, c) of shapes (S, B, P) and (S, B, H).

    Outputs: outputs, (h_n, c_n)
        - outputs: (S, B, T, P), zero after each row's end.
        - h_n, c_n: each row's state after its last step, shaped like ``state``.
    """

    def __init__(self, input_size: int, hidden_size: int, projection_size: int,
                 cell_clip: float | None = None, proj_clip: float | None = None,
                 forget_bias: float = 1.0, directions: int = 1) -> None:
        super().__init__()
        self.input_weight = nn.Parameter(torch.empty(directions, input_size, 4 * hidden_size))
        self.bias = nn.Parameter(torch.empty(directions, 4 * hidden_size))
        self.state_weight = nn.Parameter(torch.empty(directions, projection_size, 4 * hidden_size))
        self.projection_weight = nn.Parameter(torch.empty(directions, hidden_size, projection_size))
        self.hidden_size = hidden_size
        self.projection_size = projection_size
        self.cell_clip = cell_clip
        self.proj_clip = proj_clip
        self.forget_bias = forget_bias
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def forward(self, inputs: torch.Tensor, batch_sizes: list[int],
                state: tuple[torch.Tensor, torch.Tensor],
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        hidden = self.hidden_size
        sides, batch, length, _ = inputs.shape
        forget = torch.zeros_like(self.bias[0])
        forget[2 * hidden: 3 * hidden] = self.forget_bias
        bias = (self.bias + forget).unsqueeze(1)  # (S, 1, 4H), added per step: cheaper than to all
        # Time-major, so that each step reads and writes contiguous rows.
        time_major = inputs.transpose(1, 2).reshape(sides, length * batch, -1)
        input_gates = torch.bmm(time_major, self.input_weight).view(sides, length, batch, 4 * hidden)
        h, c = state
        # unbind / chunk / stack rather than indexing: their backward assembles gradients in one
        # piece instead of a full-size zero tensor per step.
        steps = []
        for step_gates, running in zip(input_gates.unbind(1), batch_sizes):
            if running < batch:
                step_gates, h_running, c_running = step_gates[:, :running], h[:, :running], c[:, :running]
            else:
                h_running, c_running = h, c
            gates = torch.bmm(h_running, self.state_weight).add_(step_gates).add_(bias)
            input_gate, _, forget_gate, output_gate = torch.sigmoid(gates).chunk(4, dim=-1)
            cell = forget_gate * c_running + input_gate * torch.tanh(gates[..., hidden: 2 * hidden])
            if self.cell_clip is not None:
                cell = torch.clamp(cell, -self.cell_clip, self.cell_clip)
            projected = torch.bmm(output_gate * torch.tanh(cell), self.projection_weight)
            if self.proj_clip is not None:
                projected = torch.clamp(projected, -self.proj_clip, self.proj_clip)
            if running < batch:
                h = torch.cat([projected, h[:, running:]], dim=1)
                c = torch.cat([cell, c[:, running:]], dim=1)
                projected = F.pad(projected, (0, 0, 0, batch - running))  # zero past each row's end
            else:
                h, c = projected, cell
            steps.append(projected)
        outputs = torch.stack(steps, dim=2) if steps else inputs.new_zeros(sides, batch, 0, self.projection_size)
        return outputs, (h, c)
