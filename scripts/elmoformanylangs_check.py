"""Check that ELMoForManyLangs' own ``Embedder`` reads a folder this package wrote and gives its vectors.

Run with a Python that has the original package (see scripts/elmoformanylangs_fixtures.py):

    python scripts/elmoformanylangs_check.py FOLDER SENTENCES.json EXPECTED.npz

FOLDER was written by ``elmo.interop.elmoformanylangs.write_elmoformanylangs``; EXPECTED holds this
package's vectors of the sentences as ``sent_<i>``. Prints the largest difference and exits 1 if it
is above 1e-5.
"""
from __future__ import annotations

import json
import sys

import numpy as np
from elmoformanylangs import Embedder


def main(folder: str, sentences_file: str, expected_file: str) -> None:
    sentences = json.loads(open(sentences_file, encoding="utf-8").read())
    expected = np.load(expected_file)
    vectors = Embedder(folder, batch_size=len(sentences) + 1).sents2elmo(sentences, output_layer=-2)
    largest = max(float(np.abs(v - expected[f"sent_{i}"]).max(initial=0.0))
                  for i, v in enumerate(vectors))
    print(f"largest |difference| from its Embedder: {largest:.2e}")
    sys.exit(int(largest > 1e-5))


if __name__ == "__main__":
    main(*sys.argv[1:4])
