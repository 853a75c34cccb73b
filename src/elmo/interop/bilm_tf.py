"""The original bilm-tf / AllenNLP format: ``options.json`` plus an HDF5 file of weights.

Dataset layout (what ``load_weights`` reads and ``save_weights`` writes)::

    char_embed                                   (n_characters - 1, char_dim)  id 0 is not stored
    CNN/W_cnn_{i}, CNN/b_cnn_{i}                 (1, width, char_dim, count), (count,)
    CNN_high_{k}/W_carry, b_carry, W_transform, b_transform     (n, n), (n,)  used as x @ W
    CNN_proj/W_proj, CNN_proj/b_proj             (n_filters, projection_dim), (projection_dim,)
    RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/W_0   (input + projection_dim, 4 * dim) gates i, j, f, o
                                            /B     (4 * dim,)  forget bias +1.0 not included
                                            /W_P_0 (dim, projection_dim)
    d = 0 forward, 1 backward
    word_embedding                               (vocab_size, dim)  only for word-input models
                                                 (not in the original format)
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import torch

from elmo.errors import ModelFileError
from elmo.files import atomic_path
from elmo.modules.bilm import BiLM


def load_weights(bilm: BiLM, weight_file: str | Path) -> None:
    """Copy every tensor of an original-format HDF5 file into ``bilm``, checking names and shapes."""
    weight_file = Path(weight_file)
    if not weight_file.is_file():
        raise ModelFileError(f"weight file not found: {weight_file}")
    try:
        handle = h5py.File(weight_file, "r")
    except OSError as error:
        raise ModelFileError(f"weight file {weight_file} is not a readable HDF5 file ({error})") from None
    with handle, torch.no_grad():
        stored_tensors = list(_stored_tensors(bilm))
        leftovers = sorted(set(_dataset_names(handle)) - {stored.name for stored in stored_tensors})
        if leftovers:
            shown = ", ".join(leftovers[:4]) + (f" and {len(leftovers) - 4} more"
                                                if len(leftovers) > 4 else "")
            raise ModelFileError(f"{weight_file}: holds datasets the options do not use ({shown}); "
                                 "the options file does not match these weights (n_layers, filters, "
                                 "n_highway or the token encoder)")
        for stored in stored_tensors:
            if stored.name not in handle or not isinstance(handle[stored.name], h5py.Dataset):
                raise ModelFileError(f"{weight_file}: dataset '{stored.name}' is missing; is this an "
                                     "ELMo weight file, and do its options match?")
            dataset = handle[stored.name]
            expected = tuple(stored.get().shape)
            if dataset.shape != expected:
                raise ModelFileError(
                    f"{weight_file}: dataset '{stored.name}' has shape {dataset.shape}, but the "
                    f"options describe {expected}; the options file does not match these weights")
            try:
                values = np.asarray(dataset[...], dtype=np.float32)
            except OSError as error:
                raise ModelFileError(f"{weight_file}: dataset '{stored.name}' cannot be read "
                                     f"({error}); the file is corrupt or truncated") from None
            if not np.isfinite(values).all():
                raise ModelFileError(f"{weight_file}: dataset '{stored.name}' holds NaN or infinite "
                                     "values")
            stored.set(torch.from_numpy(values))


def save_weights(bilm: BiLM, weight_file: str | Path, float16: bool = False) -> None:
    """Write ``bilm``'s tensors as datasets named and shaped as the original writes them (plus
    ``word_embedding`` for models with word input, which the original format lacks), float32 as
    the original does or float16 (half the size; :func:`load_weights` reads either as float32)."""
    dtype = torch.float16 if float16 else torch.float32
    with atomic_path(weight_file) as temporary, h5py.File(temporary, "w") as handle, torch.no_grad():
        for stored in _stored_tensors(bilm):
            handle.create_dataset(stored.name, data=stored.get().to("cpu", dtype).numpy())


def _dataset_names(handle: h5py.File) -> list[str]:
    names: list[str] = []
    handle.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return names


@dataclass(frozen=True)
class _StoredTensor:
    """One dataset of the file: its name, and how to read it from / write it into the model."""

    name: str
    get: Callable[[], torch.Tensor]  # the model's values, in the stored layout
    set: Callable[[torch.Tensor], None]  # copy stored-layout values into the model


def _copy_into(target: torch.Tensor, layout: Callable[[torch.Tensor], torch.Tensor] = lambda t: t):
    return lambda stored: target.copy_(layout(stored))


def _plain(name: str, tensor: torch.Tensor) -> _StoredTensor:
    return _StoredTensor(name, lambda: tensor, _copy_into(tensor))


def _transposed(name: str, tensor: torch.Tensor) -> _StoredTensor:
    """Linear weights (out, in) are stored as (in, out), used as x @ W."""
    return _StoredTensor(name, lambda: tensor.t(), _copy_into(tensor, lambda t: t.t()))


def _stored_tensors(bilm: BiLM) -> Iterator[_StoredTensor]:
    encoder = bilm.token_encoder
    if encoder.word_embedding is not None:
        yield _plain("word_embedding", encoder.word_embedding.weight)
    if encoder.cnn is not None:
        yield from _char_encoder_tensors(encoder)
    for index, layer in enumerate(bilm.layers):
        for direction in range(2):
            prefix = f"RNN_{direction}/RNN/MultiRNNCell/Cell{index}/LSTMCell"
            yield _lstm_kernel(f"{prefix}/W_0", layer.input_weight[direction],
                               layer.state_weight[direction])
            yield _plain(f"{prefix}/B", layer.bias[direction])
            yield _plain(f"{prefix}/W_P_0", layer.projection_weight[direction])


def _char_encoder_tensors(encoder) -> Iterator[_StoredTensor]:
    char_table = encoder.cnn.char_embedding.weight  # row 0 (absent token) stays zero, not stored

    def set_char_table(stored: torch.Tensor) -> None:
        char_table[0] = 0.0
        char_table[1:] = stored

    yield _StoredTensor("char_embed", lambda: char_table[1:], set_char_table)
    for i, conv in enumerate(encoder.cnn.convolutions):
        # TensorFlow kernel (1, width, in, out) <-> Conv1d (out, in, width)
        yield _StoredTensor(f"CNN/W_cnn_{i}", lambda w=conv.weight: w.permute(2, 1, 0).unsqueeze(0),
                            _copy_into(conv.weight, lambda t: t[0].permute(2, 1, 0)))
        yield _plain(f"CNN/b_cnn_{i}", conv.bias)
    for k, layer in enumerate(encoder.highway.layers):
        dim = layer.in_features  # the layer's output is [transform; carry]
        yield _transposed(f"CNN_high_{k}/W_transform", layer.weight[:dim])
        yield _plain(f"CNN_high_{k}/b_transform", layer.bias[:dim])
        yield _transposed(f"CNN_high_{k}/W_carry", layer.weight[dim:])
        yield _plain(f"CNN_high_{k}/b_carry", layer.bias[dim:])
    yield _transposed("CNN_proj/W_proj", encoder.projection.weight)
    yield _plain("CNN_proj/b_proj", encoder.projection.bias)


def _lstm_kernel(name: str, input_weight: torch.Tensor, state_weight: torch.Tensor) -> _StoredTensor:
    """``W_0`` multiplies [input; previous state]: its rows split into the two weights."""
    n_inputs = input_weight.shape[0]

    def set_kernel(stored: torch.Tensor) -> None:
        input_weight.copy_(stored[:n_inputs])
        state_weight.copy_(stored[n_inputs:])

    return _StoredTensor(name, lambda: torch.cat([input_weight, state_weight]), set_kernel)
