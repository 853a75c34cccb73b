"""Straightforward float64 versions of the model's math, written from the formulas, for comparison."""
from __future__ import annotations

import numpy as np
import torch

from elmo.data.chars import token_to_char_ids
from elmo.modules.char_ids import sentence_boundary_ids


@torch.no_grad()
def char_cnn_float64(cnn, char_ids: torch.Tensor) -> np.ndarray:
    """Convolution over all positions, max over positions, then the activation: (N, C) -> (N, F)."""
    embedded = cnn.char_embedding.weight.double()[char_ids].transpose(1, 2)  # (N, D, C)
    pooled = [torch.nn.functional.conv1d(embedded, conv.weight.double(), conv.bias.double())
              .max(dim=2).values for conv in cnn.convolutions]
    return cnn.activation(torch.cat(pooled, dim=1)).numpy()


@torch.no_grad()
def highway_float64(highway, x: np.ndarray) -> np.ndarray:
    for layer in highway.layers:
        dim = x.shape[1]
        w, b = layer.weight.double().numpy(), layer.bias.double().numpy()
        transform = np.maximum(x @ w[:dim].T + b[:dim], 0.0)
        gate = 1.0 / (1.0 + np.exp(-(x @ w[dim:].T + b[dim:])))
        x = gate * transform + (1.0 - gate) * x
    return x


@torch.no_grad()
def token_vectors_float64(encoder, tokens: list[str]) -> np.ndarray:
    ids = torch.from_numpy(np.stack([_ids(t, encoder.max_characters) for t in tokens]))
    hidden = highway_float64(encoder.highway, char_cnn_float64(encoder.cnn, ids))
    return hidden @ encoder.projection.weight.double().numpy().T + encoder.projection.bias.double().numpy()


def _ids(token: str, width: int) -> np.ndarray:
    markers = dict(zip(("<S>", "</S>"), sentence_boundary_ids(width)))
    return markers[token] if token in markers else token_to_char_ids(token, width)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@torch.no_grad()
def lstm_float64(lstm, direction: int, inputs: np.ndarray, h: np.ndarray, c: np.ndarray):
    """The original cell: [x; h] @ W_0 + B, gates i, j, f, o, forget bias, clipping, projection."""
    kernel = torch.cat([lstm.input_weight[direction], lstm.state_weight[direction]]).double().numpy()
    bias = lstm.bias[direction].double().numpy()
    projection = lstm.projection_weight[direction].double().numpy()
    outputs = []
    for x in inputs:
        i, j, f, o = np.split(np.concatenate([x, h]) @ kernel + bias, 4)
        c = _sigmoid(f + lstm.forget_bias) * c + _sigmoid(i) * np.tanh(j)
        if lstm.cell_clip is not None:
            c = np.clip(c, -lstm.cell_clip, lstm.cell_clip)
        h = (_sigmoid(o) * np.tanh(c)) @ projection
        if lstm.proj_clip is not None:
            h = np.clip(h, -lstm.proj_clip, lstm.proj_clip)
        outputs.append(h)
    return np.stack(outputs), h, c


@torch.no_grad()
def bilm_float64(bilm, tokens: list[str]) -> np.ndarray:
    """All L + 1 layers of one sentence, markers included: (L + 1, n + 2, 2P)."""
    sequence = token_vectors_float64(bilm.token_encoder, ["<S>", *tokens, "</S>"])
    layers = [np.concatenate([sequence, sequence], axis=1)]
    directions = []
    for direction in range(2):
        inputs = sequence if direction == 0 else sequence[::-1]
        outputs = []
        for index, lstm in enumerate(bilm.layers):
            out, _, _ = lstm_float64(lstm, direction, inputs, np.zeros(lstm.projection_size),
                                     np.zeros(lstm.hidden_size))
            if bilm.config.lstm.use_skip_connections and index > 0:
                out = out + inputs
            outputs.append(out if direction == 0 else out[::-1])
            inputs = out
        directions.append(outputs)
    layers += [np.concatenate(pair, axis=1) for pair in zip(*directions)]
    return np.stack(layers)
