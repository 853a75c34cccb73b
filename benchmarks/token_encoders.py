"""Which token encoder suits which language: byte CNN, code-point CNN, code-point CNN + word, word only.

    python benchmarks/token_encoders.py zh [--steps 500]      # PD1998
    python benchmarks/token_encoders.py en [--steps 500]      # Brown

The four biLMs share everything but the token encoder: the shipped recipe's LSTM (2 layers, 512
cells, projection 128), its filters, vocabulary size, adaptive softmax and Adam schedule, and the
same shards and batches, so each sees the same tokens. Each trains ``--steps`` steps (resumable:
runs live under ``$ELMO_CACHE/builds/encoders-LANG/``), then its exact held-out perplexity on the
whole dev split is measured. Prints one table and the learning curve (held-out perplexity on the
first 500 dev sentences at every quarter of the run).
"""
from __future__ import annotations

import argparse
import copy
import csv

from elmo import corpora
from elmo.data.shards import expand_shards
from elmo.data.vocab import build_vocabulary, count_tokens
from elmo.evaluate.perplexity import folder_perplexity
from elmo.files import write_text
from elmo.interop.model_folder import ModelFolder
from elmo.recipes.build import read_recipe
from elmo.train.config import parse_train_config
from elmo.train.trainer import train

CORPORA = {"zh": ("pd1998", "zh-small"), "en": ("brown", "en-small")}


def encoders(model: dict) -> dict[str, dict]:
    """[model] of each variant, from the recipe's LSTM and filters."""
    cnn = {key: value for key, value in model["char_cnn"].items() if key != "characters"}
    byte_cnn = {"char_cnn": cnn, "lstm": model["lstm"]}
    codepoints = {**byte_cnn, "char_cnn": {**cnn, "characters": "codepoints"}}
    return {
        "byte CNN": byte_cnn,
        "code-point CNN": codepoints,
        "code-point CNN + word": {**codepoints, "token_encoder": "both", "word_dim": 128},
        "word only": {"lstm": model["lstm"], "token_encoder": "word"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("language", choices=sorted(CORPORA))
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    corpus, recipe_name = CORPORA[args.language]
    corpora.fetch(corpus, progress=False)
    recipe = read_recipe(recipe_name)
    work = corpora.cache_root() / "builds" / f"encoders-{args.language}"
    train_file, dev_file = (str(corpora.corpus_path(corpus, split)) for split in ("train", "dev"))
    vocab_path, curve = work / "vocab.txt", work / "curve.txt"
    if not vocab_path.is_file():
        work.mkdir(parents=True, exist_ok=True)
        build_vocabulary(count_tokens([train_file], progress=False),
                         max_size=recipe.corpora.vocab_size).save(vocab_path)
        with open(dev_file, encoding="utf-8") as lines:
            write_text(curve, "".join(line for _, line in zip(range(500), lines)))
    rows = []
    for name, model in encoders(recipe.training["model"]).items():
        settings = copy.deepcopy(recipe.training)
        settings["model"] = model
        settings["data"].update(train=[train_file], vocab=str(vocab_path), heldout=[str(curve)],
                                tokenizer=recipe.corpora.tokenizer)
        settings["training"].update(output_dir=str(work / name.replace(" ", "-")), max_steps=args.steps,
                                    checkpoint_every=max(1, args.steps // 4), log_every=50)
        folder = ModelFolder.load(train(parse_train_config(settings, name), progress=False))
        result = folder_perplexity(folder, expand_shards(dev_file), progress=False)
        with open(work / name.replace(" ", "-") / "log.csv", newline="") as log:
            points = [(int(r["step"]), float(r["heldout_ppl"])) for r in csv.DictReader(log)
                      if r["heldout_ppl"]]
        parameters = sum(p.numel() for p in folder.bilm.token_encoder.parameters())
        rows.append((name, parameters, folder.training.tokens_seen, result, points))
    print(f"{corpus} dev split ({rows[0][3].tokens:,} predictions per direction), {args.steps} steps "
          f"of the {recipe_name} recipe's batches, vocabulary {recipe.corpora.vocab_size:,}")
    print(f"{'token encoder':<24} {'encoder params':>14} {'tokens seen':>12} {'forward':>8} "
          f"{'backward':>9} {'average':>8}   curve (step: held-out ppl)")
    for name, parameters, tokens, result, points in rows:
        print(f"{name:<24} {parameters:>14,} {tokens:>12,} {result.forward:>8.1f} {result.backward:>9.1f} "
              f"{result.average:>8.1f}   " + ", ".join(f"{step}: {ppl:.0f}" for step, ppl in points))


if __name__ == "__main__":
    main()
