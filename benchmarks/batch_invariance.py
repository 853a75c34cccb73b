"""How much a sentence's vectors move with the company it is embedded in (rounding only).

    python benchmarks/batch_invariance.py [--model en-small]

Embeds the 30 reference sentences (tests/fixtures/bilm_tf) in one call, each alone, and after
other calls (with the token cache filled by them), and prints the largest absolute differences.
The computation is the same; only the shapes of the matrix products differ, so the results differ
at float32 rounding level.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import elmo

SENTENCES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bilm_tf" / \
    "lm_embeddings_sentences.json"


def largest_difference(first: list[np.ndarray], second: list[np.ndarray]) -> float:
    return max(float(np.abs(a - b).max()) for a, b in zip(first, second))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="en-small")
    args = parser.parse_args()
    sentences = [line.split() for group in json.loads(SENTENCES.read_text()) for line in group]
    model = elmo.load(args.model, token_cache_size=0)
    together = model.embed(sentences)
    alone = [model.embed([sentence])[0] for sentence in sentences]
    cached = elmo.load(args.model)
    cached.embed(sentences[::-1][:20])  # earlier calls fill the token cache in other batches
    after = cached.embed(sentences)
    print(f"{args.model}, {len(sentences)} sentences, largest |difference| of any vector element:")
    print(f"  one call vs each sentence alone:        {largest_difference(together, alone):.2e}")
    print(f"  one call vs the same after other calls: {largest_difference(together, after):.2e}")


if __name__ == "__main__":
    main()
