"""Pictures of one word's occurrences: a 2-D PCA projection of its vectors per layer, coloured by
sense, and the cosine similarity between occurrences per layer."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from elmo.errors import InputError
from elmo.files import atomic_path

SUFFIXES = (".png", ".svg", ".pdf")
UNKNOWN = "?"


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """The first two principal coordinates of (n, D) vectors: (n, 2); zeros along directions
    without variance (layer 0 of one word form is a single point)."""
    centered = vectors - vectors.mean(0)
    u, s, _ = np.linalg.svd(centered, full_matrices=False)
    coordinates = np.zeros((len(vectors), 2))
    rank = min(2, len(s))
    coordinates[:, :rank] = u[:, :rank] * s[:rank]
    return coordinates


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of (n, D) vectors: (n, n)."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


def plot_occurrences(vectors: np.ndarray, senses: Sequence[str], title: str,
                     path: str | Path) -> Path:
    """Write a figure of one word's n occurrences: for each layer, a PCA scatter (top row) and a
    cosine heat map with occurrences grouped by sense (bottom row).

    Args:
        vectors: (n, L + 1, D), the word's vector at each layer in each occurrence.
        senses: (n,) the sense of each occurrence, ``"?"`` where unknown.
        path: a .png, .svg or .pdf file.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"cannot write {path.name}: choose a {', '.join(SUFFIXES)} file")
    order = np.argsort(np.array(senses), kind="stable")
    vectors, senses = vectors[order], [senses[i] for i in order]
    names = sorted(set(senses))
    colours = {name: "lightgrey" if name == UNKNOWN else plt.cm.tab10(i % 10)
               for i, name in enumerate(names)}
    n_layers = vectors.shape[1]
    figure, axes = plt.subplots(2, n_layers, figsize=(4.2 * n_layers, 8.4), squeeze=False)
    for layer in range(n_layers):
        points = pca_2d(vectors[:, layer])
        top = axes[0, layer]
        for name in names:
            chosen = [i for i, sense in enumerate(senses) if sense == name]
            top.scatter(points[chosen, 0], points[chosen, 1], s=28, color=colours[name],
                        label=name, edgecolors="black", linewidths=0.3)
        top.set_title(f"layer {layer}" + (" (context-free)" if layer == 0 else ""))
        top.set_xticks([])
        top.set_yticks([])
        heat = axes[1, layer].imshow(cosine_matrix(vectors[:, layer]), vmin=-0.2, vmax=1,
                                     cmap="viridis")
        for boundary in np.flatnonzero(np.array(senses[1:]) != np.array(senses[:-1])):
            axes[1, layer].axhline(boundary + 0.5, color="white", linewidth=0.8)
            axes[1, layer].axvline(boundary + 0.5, color="white", linewidth=0.8)
        axes[1, layer].set_title("cosine between occurrences")
        axes[1, layer].set_xticks([])
        axes[1, layer].set_yticks([])
    axes[0, 0].legend(fontsize=8, loc="best")
    figure.colorbar(heat, ax=axes[1, :].tolist(), shrink=0.8)
    figure.suptitle(title)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, bbox_inches="tight", format=path.suffix[1:] or None)
    plt.close(figure)
    return path
