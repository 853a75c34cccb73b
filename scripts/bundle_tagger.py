"""Bundle a trained tagger with the package: float16 weights, scores re-measured on the copy.

    python scripts/bundle_tagger.py runs/downstream/pd-tagger-full/seed2 [--name zh-lexical]
        [--prune-bigrams 2] [--keep-bigrams N] [--int8-tables]

Reads RUN/model and RUN/results.json (written by `elmo task train`), writes
src/elmo/tasks/models/NAME/ with float16 weights, scores the bundled copy on its dev and test
splits (the rounding to float16 can move a few predictions), stores those scores in its task.json
and writes its MODEL_CARD.md. Prints the trained and the bundled scores side by side.

``--prune-bigrams N`` keeps only the bigram vectors of bigrams seen at least N times in the
training split; the others become unknown, and the unknown bigram's vector is set to their mean.
``--keep-bigrams N`` keeps the first N bigrams of the vocabulary (those counted in the training
split come first, then the most frequent of the word2vec text, see ``[features] bigram_init``).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from pathlib import Path

import torch

from elmo import config_files
from elmo.corpora import cache_root
from elmo.files import write_text
from elmo.tasks.config import TASK_RECIPES, TaskConfig, read_task_config
from elmo.tasks.data import read_examples
from elmo.tasks.evaluation import evaluate_saved
from elmo.tasks.inputs import extra_words, sentence_bigrams
from elmo.tasks.saved import BUNDLED_TASKS, TaskModel, load_task_model
from elmo.tasks.trainer import split_file
from elmo.tasks.vocab import TokenVocab

CARD = """# {name}: Chinese lexical analysis (word segmentation + part of speech)

`elmo tag` uses this model by default: raw text in, `word/TAG` out (`--entities`: names as
`PER` / `LOC` / `ORG`); from Python, `elmo.tag(text)`.

- **Task**: joint segmentation + POS as character tags (`B-TAG` / `I-TAG`, {n_labels} labels over
  the PD1998 tag set), decoded by a linear-chain CRF allowing only valid transitions.
- **Model**: recipe `{recipe}` (`elmo task train {recipe}{overrides}`): {dim}-d character vectors,
  {bigram_dim}-d vectors of the character bigrams ending and starting at each character
  ({n_bigrams:,} bigrams{pruning}), lexicon features
  (words of 2..{max_word_length} characters start / end here: the training split's{extra_words}), a
  bidirectional LSTM of {hidden} cells per direction, CRF. {elmo}{pretrained}
- **Data**: PD1998 (People's Daily, January 1998; `elmo data fetch pd1998`), training split
  {train_examples:,} sentences; best epoch {best_epoch} of {epochs} by dev POS F1 (300 dev
  sentences), {train_minutes:.0f} minutes of training on the run's own clock (a 2-core CPU).
- **Weights**: float16{tables} ({size_mb:.1f} MB), read back as float32.

## Scores (this bundled copy; PD1998 test split = its last 2,000 lines)

| split | seg F1 | POS F1 | unseen-word recall |
|---|---|---|---|
| dev (1,000 sentences) | {dev[seg_f1]:.2f} | {dev[pos_f1]:.2f} | {dev[oov_recall]:.2f} |
| test (2,000 sentences) | {test[seg_f1]:.2f} | {test[pos_f1]:.2f} | {test[oov_recall]:.2f} |

As trained (float32{pruned_note}): test seg F1 {full[seg_f1]:.2f}, POS F1 {full[pos_f1]:.2f}, unseen
{full[oov_recall]:.2f}. Made by `python scripts/bundle_tagger.py {run}{options}`.

## Limits

PD1998 is newspaper text of 1998 with its own segmentation conventions (names split into surname
and given name, `江/nr 泽民/nr`; `--entities` joins them); other genres and conventions score lower.
Licence of the training data: see `elmo data list` (pd1998{extra_licences}).
"""


def pretrained_note(task: TaskModel) -> str:
    """The card's line on word2vec vectors, if the model started from them."""
    e, f = task.config.embeddings, task.config.features
    if "word2vec" not in (e.init, f.bigram_init):
        return ""
    which = " and ".join(name for name, init in (("character", e.init), ("bigram", f.bigram_init))
                         if init == "word2vec")
    text = ("the text zh-small is built from: the train splits of its recipe's corpora (PD1998's "
            "included, its dev and test splits not; zh-news is opt-in, licence caveat in `elmo data "
            "list` and the zh-small card)"
            if all("/builds/zh-small/" in pattern for pattern in e.word2vec_corpus)
            else ", ".join(e.word2vec_corpus))
    tables = ("; the bigram vectors stay fixed" + (f", beside a {f.bigram_trained_dim}-d trained table of "
                                                  "the training split's bigrams" if f.bigram_trained_dim else "")
              if f.bigram_freeze else "")
    return (f"\n- **Pretrained vectors**: the {which} vectors started from skip-gram vectors (gensim) of "
            f"the characters of {text}{tables}.")


def portable(value):
    """``value`` (a setting) with the corpus cache's path written as ``{cache}``, as in recipes."""
    if isinstance(value, (tuple, list)):
        return type(value)(portable(item) for item in value)
    return value.replace(str(cache_root()), "{cache}") if isinstance(value, str) else value


def recipe_overrides(config: TaskConfig, recipe: str) -> list[str]:
    """The ``--set section.key=value`` that turn ``recipe`` into ``config`` (the output folder
    aside), values in TOML."""
    base = read_task_config(config_files.find_config(recipe, TASK_RECIPES))
    found = []
    for section in dataclasses.fields(config):
        mine, theirs = getattr(config, section.name), getattr(base, section.name)
        for setting in dataclasses.fields(mine):
            value = getattr(mine, setting.name)
            if setting.name != "output_dir" and value != getattr(theirs, setting.name):
                found.append(f"{section.name}.{setting.name}={json.dumps(portable(value), ensure_ascii=False)}")
    return found


def lexicon_source(task: TaskModel) -> str:
    """The cached corpus ``[features] lexicon_extra`` comes from (its first folder under the
    cache), or the file's name when it lies elsewhere; empty when the lexicon has no extra words."""
    extra = task.config.features.lexicon_extra
    if not extra:
        return ""
    path = Path(extra)
    return path.relative_to(cache_root()).parts[0] if path.is_relative_to(cache_root()) else path.name


def prune_bigrams(task: TaskModel, min_count: int) -> int:
    """Keep the vectors of bigrams seen ``min_count`` times or more in the training split (and
    those of the word2vec text); the unknown bigram (id 1) gets the mean of the dropped ones.
    Returns how many were dropped."""
    data = task.config.data
    examples = read_examples(split_file(task.config, "train"), data.format, data.max_train)
    counts = Counter(b for e in examples for b in sentence_bigrams(e.tokens))
    bigrams = task.encoder.bigrams  # word2vec-only bigrams (ids from ``counted`` on) are all kept
    return select_bigrams(task, [i for i, bigram in enumerate(bigrams.tokens)
                                 if i < 2 or i >= bigrams.counted or counts[bigram] >= min_count],
                          mean_unknown=True)


def select_bigrams(task: TaskModel, keep: list[int], mean_unknown: bool) -> int:
    """Keep the bigrams of the ids ``keep`` (ascending, 0 and 1 included) in every bigram table;
    the others become unknown (``mean_unknown``: the unknown vector becomes their mean). Returns
    how many were dropped."""
    old, token_input = task.encoder.bigrams, task.model.input
    dropped = sorted(set(range(2, len(old))) - set(keep))
    for name in ("bigrams", "trained_bigrams"):
        table = getattr(token_input, name)
        if table is None:
            continue
        rows = table.num_embeddings
        weight = table.weight.data[[i for i in keep if i < rows]].clone()
        if mean_unknown and [i for i in dropped if i < rows]:
            weight[1] = table.weight.data[[i for i in dropped if i < rows]].mean(dim=0)
        setattr(token_input, name, torch.nn.Embedding.from_pretrained(
            weight, freeze=not table.weight.requires_grad, padding_idx=0, sparse=True))
    task.encoder.bigrams = TokenVocab([old.tokens[i] for i in keep[2:]],
                                      counted=sum(1 for i in keep if i < old.counted))
    return len(dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="a finished `elmo task train` output folder")
    parser.add_argument("--name", default="zh-lexical")
    parser.add_argument("--recipe", default="pd1998-tagger", help="the recipe the run used (for the card)")
    parser.add_argument("--prune-bigrams", type=int, default=0, metavar="N",
                        help="keep bigrams seen at least N times in training (0: all)")
    parser.add_argument("--keep-bigrams", type=int, default=0, metavar="N",
                        help="keep the first N bigrams of the vocabulary: the training split's, "
                             "then the word2vec text's most frequent (0: all)")
    parser.add_argument("--int8-tables", action="store_true",
                        help="store the embedding tables as int8 rows with a scale each")
    args = parser.parse_args()
    results = json.loads((args.run / "results.json").read_text())
    task = load_task_model(args.run / "model")
    pruned = prune_bigrams(task, args.prune_bigrams) if args.prune_bigrams else 0
    if pruned:
        print(f"bigrams seen fewer than {args.prune_bigrams} times in training, dropped: {pruned:,}")
    kept_only = (select_bigrams(task, list(range(min(2 + args.keep_bigrams, len(task.encoder.bigrams)))),
                                mean_unknown=False) if args.keep_bigrams else 0)
    if kept_only:
        print(f"bigrams after the first {args.keep_bigrams:,}, dropped: {kept_only:,}")
    overrides = recipe_overrides(task.config, args.recipe)
    c, source, pretrained = task.config, lexicon_source(task), pretrained_note(task)
    task.config = dataclasses.replace(  # the bundled copy names cached files {cache}/..., not by our path
        c, embeddings=dataclasses.replace(c.embeddings, word2vec_corpus=portable(c.embeddings.word2vec_corpus)),
        features=dataclasses.replace(c.features, lexicon_extra=portable(c.features.lexicon_extra)))
    folder = BUNDLED_TASKS / args.name
    task.save(folder, dtype=torch.float16, int8_tables=args.int8_tables)
    task.scores = {split: evaluate_saved(folder, split, progress=False) for split in ("dev", "test")}
    task.save(folder, dtype=torch.float16, int8_tables=args.int8_tables)  # the same, with its scores
    scores = task.scores
    for split in ("dev", "test"):
        print(f"{split}: trained " + "  ".join(f"{k} {results[split][k]:.2f}" for k in ("seg_f1", "pos_f1", "oov_recall"))
              + " | bundled " + "  ".join(f"{k} {scores[split][k]:.2f}" for k in ("seg_f1", "pos_f1", "oov_recall")))
    write_text(folder / "MODEL_CARD.md", CARD.format(
        name=args.name, n_labels=len(task.labels), recipe=args.recipe, dim=c.embeddings.dim,
        bigram_dim=c.features.bigram_dim, n_bigrams=len(task.encoder.bigrams) - 2,
        pruning=(f"; after training, those seen fewer than {args.prune_bigrams} times in the training "
                 f"split ({pruned:,}) were dropped and share the unknown vector, their mean"
                 if pruned else "")
        + (f"; after training, the {kept_only:,} after the first {args.keep_bigrams:,} were dropped "
           "(unknown)" if kept_only else ""), max_word_length=c.features.max_word_length,
        hidden=c.model.hidden, elmo=f"ELMo from {task.bilm_name}." if task.bilm_name else "No ELMo.",
        pretrained=pretrained, overrides="".join(f" --set '{item}'" for item in overrides),
        extra_words=(f", and the {len(extra_words(c.features)):,} of the dictionary `{source}`"
                     if source else ""),
        extra_licences=(f", {source}" if source else "")
        + (", and the corpora of the pretrained vectors' text" if pretrained else ""),
        train_examples=results["train_examples"], best_epoch=results["best_epoch"], epochs=results["epochs"],
        train_minutes=results["train_seconds"] / 60,
        size_mb=sum(p.stat().st_size for p in folder.iterdir()) / 1e6,
        dev=scores["dev"], test=scores["test"], full=results["test"], run=args.run,
        pruned_note=", all bigrams" if pruned or kept_only else "",
        tables=", embedding tables int8 with a scale per row" if args.int8_tables else "",
        options=(f" --prune-bigrams {args.prune_bigrams}" if args.prune_bigrams else "")
        + (f" --keep-bigrams {args.keep_bigrams}" if args.keep_bigrams else "")
        + (" --int8-tables" if args.int8_tables else "")))
    print(f"-> {folder}")


if __name__ == "__main__":
    main()
