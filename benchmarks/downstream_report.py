"""Downstream tasks with and without ELMo: trains what is missing (--run) and prints the table.

    python benchmarks/downstream_report.py --run --jobs 2     # train missing runs, then report
    python benchmarks/downstream_report.py                    # report the runs that exist

Every run is `elmo task train RECIPE --set ...` into runs/downstream/<row>/seed<k>/ (an
interrupted run resumes, and so does one whose row now asks for more epochs). A finished run's
results.json is copied to benchmarks/results/downstream/<row>/seed<k>.json, which is kept in git:
the table is printed from these records, and a recorded run is never repeated, even on a machine
that has lost the run folders. Rows are listed in priority order. Prints mean and spread (sample std over seeds), the
relative error reduction of ELMo against each baseline, the learned layer weights; plots the
weights and the low-resource curve into docs/images/ when every row they need has runs.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from elmo.corpora import fetch
from elmo.errors import ElmoError
from elmo.files import write_text

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "runs" / "downstream"
RECORDS = ROOT / "benchmarks" / "results" / "downstream"  # each finished run's results.json, in git
NEWS_TOKENS = 256  # zh-news documents average 678 words: each is read to its 256th (title and lead)
PD_FRACTION = 0.05  # PD1998 main rows: 5% of the training sentences (824), see the README
REVIEWS = {"training.epochs": 12}  # all 13,889 training reviews (8 epochs left the ELMo runs still improving)
NEWS = {"data.corpus": "zh-news", "data.max_tokens": NEWS_TOKENS, **REVIEWS}  # 5,293 documents
SHORT = {"data.train_fraction": PD_FRACTION, "training.epochs": 8}  # the secondary tagging tasks

# the lexical-analysis ablation on all training sentences: pd1998-tagger (characters + bigrams +
# lexicon, the shipped model), without its parts, and with ELMo (input and output mix)
NO_LEXICON = {"features.lexicon": "", "features.lexicon_folds": 0}
WITH_ELMO = {"elmo.model": "zh-char-small", "elmo.at_output": True}
DICTIONARY = {"features.lexicon_extra": "{cache}/zh-dictionary/words.txt"}  # jionlp headwords
# skip-gram character and bigram vectors from the characters of the zh-small text (its train splits,
# 14M characters): bigrams new to PD1998's training split are no longer unknown
PRETRAINED = {**DICTIONARY, "embeddings.init": "word2vec", "features.bigram_init": "word2vec",
              "embeddings.word2vec_corpus": ["{cache}/builds/zh-small/mixed/*.txt"]}
# skip-gram character vectors of the text zh-char-small (the ELMo rows' biLM) was trained on
WORD2VEC = {"embeddings.init": "word2vec", "embeddings.word2vec_corpus": [
    f"{{cache}}/{corpus}/train.txt" for corpus in ("pd1998", "zh-reviews", "zh-manpages", "fortunes-zh")]}

# the low-resource curve: the shipped recipe without and with ELMo on a seeded sample of the training
# sentences; a smaller sample gets more epochs (early stopping on dev still ends each run)
CURVE_EPOCHS = {0.01: 60, 0.05: 30, 0.1: 25}
CURVE = [(fraction, f"pd-tagger-elmo-{round(100 * fraction)}pct", f"pd-tagger-{round(100 * fraction)}pct")
         for fraction in CURVE_EPOCHS] + [(1.0, "pd-tagger-elmo-full", "pd-tagger-full")]

# name, recipe, overrides, seeds; trained in this order, each row's first seed before any second
ROWS = [
    ("pd-tagger-full", "pd1998-tagger", {}, 3),
    ("pd-tagger-elmo-full", "pd1998-tagger", WITH_ELMO, 3),
    ("pd-tagger-dict-full", "pd1998-tagger", DICTIONARY, 3),
    ("pd-tagger-frozen-bigrams-full", "pd1998-tagger", {**PRETRAINED, "features.bigram_freeze": True}, 3),
    ("pd-tagger-two-bigrams-full", "pd1998-tagger",
     {**PRETRAINED, "features.bigram_freeze": True, "features.bigram_trained_dim": 32}, 3),
    ("pd-bigram-full", "pd1998-tagger", NO_LEXICON, 3),
    ("pd-char-full", "pd1998-tagger", {**NO_LEXICON, "features.bigram_dim": 0}, 3),
    ("pd-lexicon-nofolds-full", "pd1998-tagger", {"features.lexicon_folds": 0}, 3),
    ("pd-tagger-word2vec-full", "pd1998-tagger", WORD2VEC, 3),
    ("pd-elmo", "pd1998-elmo", {"data.train_fraction": PD_FRACTION}, 3),
    ("pd-random", "pd1998-random", {"data.train_fraction": PD_FRACTION}, 3),
    ("pd-word2vec", "pd1998-word2vec", {"data.train_fraction": PD_FRACTION}, 3),
    ("pd-elmo-top", "pd1998-elmo", {"data.train_fraction": PD_FRACTION, "elmo.mix": "top"}, 3),
    *[(name, "pd1998-tagger", {**overrides, "data.train_fraction": fraction,
                               "training.epochs": CURVE_EPOCHS[fraction]}, 3)
      for fraction, with_elmo, without in CURVE[:-1]
      for name, overrides in ((without, {}), (with_elmo, WITH_ELMO))],
    ("ner-elmo", "pd1998-ner-elmo", SHORT, 1),
    ("ner-random", "pd1998-ner-elmo", {**SHORT, "elmo.model": ""}, 1),
    ("brown-elmo", "brown-elmo", SHORT, 1),
    ("brown-random", "brown-elmo", {**SHORT, "elmo.model": ""}, 1),
    ("news-elmo", "zh-reviews-elmo", NEWS, 3),
    ("news-random", "zh-reviews-elmo", {**NEWS, "elmo.model": ""}, 3),
    ("reviews-elmo", "zh-reviews-elmo", REVIEWS, 3),
    ("reviews-random", "zh-reviews-elmo", {**REVIEWS, "elmo.model": ""}, 3),
    ("reviews-textcnn-elmo", "zh-reviews-elmo", {**REVIEWS, "model.encoder": "textcnn"}, 3),
    ("reviews-textcnn-random", "zh-reviews-elmo", {**REVIEWS, "model.encoder": "textcnn", "elmo.model": ""}, 3),
    ("reviews-textrcnn-elmo", "zh-reviews-elmo", {**REVIEWS, "model.encoder": "textrcnn"}, 3),
    ("reviews-textrcnn-random", "zh-reviews-elmo", {**REVIEWS, "model.encoder": "textrcnn", "elmo.model": ""}, 3),
]
SEG = ("seg_f1", "pos_f1", "oov_recall")
TABLE = [  # (row, label, metrics): what the table shows, in order
    ("pd-char-full", "PD1998 100%: characters (100-d, 200 cells)", SEG),
    ("pd-bigram-full", "PD1998 100%: + character bigrams", SEG),
    ("pd-lexicon-nofolds-full", "PD1998 100%: + lexicon, not jackknifed", SEG),
    ("pd-tagger-full", "PD1998 100%: + lexicon in 10 folds (shipped)", SEG),
    ("pd-tagger-dict-full", "PD1998 100%: pd1998-tagger + dictionary words", SEG),
    ("pd-tagger-frozen-bigrams-full", "PD1998 100%: + dictionary, word2vec chars, frozen word2vec bigrams", SEG),
    ("pd-tagger-two-bigrams-full", "PD1998 100%: + dictionary, word2vec chars, frozen + trained bigrams", SEG),
    ("pd-tagger-word2vec-full", "PD1998 100%: pd1998-tagger, word2vec chars", SEG),
    ("pd-tagger-elmo-full", "PD1998 100%: pd1998-tagger + ELMo in & out", SEG),
    ("pd-random", "PD1998 seg+POS 5%, random char vectors", SEG),
    ("pd-word2vec", "PD1998 seg+POS 5%, word2vec char vectors", SEG),
    ("pd-elmo-top", "PD1998 seg+POS 5%, + ELMo top layer", SEG),
    ("pd-elmo", "PD1998 seg+POS 5%, + ELMo learned mix", SEG),
    *[(name, f"PD1998 {100 * fraction:g}%: pd1998-tagger{suffix}", SEG) for fraction, with_elmo, without in CURVE[:-1]
      for name, suffix in ((without, ""), (with_elmo, " + ELMo in & out"))],
    ("ner-random", "PD1998 entities, random char vectors", ("entity_f1",)),
    ("ner-elmo", "PD1998 entities, + ELMo", ("entity_f1",)),
    ("brown-random", "Brown POS, random word vectors", ("accuracy",)),
    ("brown-elmo", "Brown POS, + ELMo", ("accuracy",)),
    ("news-random", "zh-news 3-class, TextRNN, random", ("accuracy",)),
    ("news-elmo", "zh-news 3-class, TextRNN + ELMo", ("accuracy",)),
    ("reviews-random", "zh-reviews sentiment, TextRNN, random", ("accuracy",)),
    ("reviews-elmo", "zh-reviews sentiment, TextRNN + ELMo", ("accuracy",)),
    ("reviews-textcnn-random", "zh-reviews sentiment, TextCNN, random", ("accuracy",)),
    ("reviews-textcnn-elmo", "zh-reviews sentiment, TextCNN + ELMo", ("accuracy",)),
    ("reviews-textrcnn-random", "zh-reviews sentiment, TextRCNN, random", ("accuracy",)),
    ("reviews-textrcnn-elmo", "zh-reviews sentiment, TextRCNN + ELMo", ("accuracy",)),
]
LAYER_PANELS = [("pd-elmo", "PD1998 seg+POS"), ("ner-elmo", "PD1998 entities"), ("brown-elmo", "Brown POS"),
                ("reviews-elmo", "zh-reviews sentiment")]  # the layer-weight figure's panels
REFERENCES = ["character CRF on the full train split (DATA.md): seg F1 96.05, unseen-word recall 73.2",
              "THULAC 94.05 / 77.6, jieba 83.2 / 68.9 (DATA.md; other segmentation conventions)",
              "zh-reviews: character n-gram TF-IDF + logistic regression, 80/20: 85.2% (DATA.md)"]


def tfidf_reference(corpus: str, max_tokens: int | None = None) -> float:
    """Test accuracy (%) of logistic regression on TF-IDF of character 1- to 3-grams, trained on
    the corpus's training split (each text's first ``max_tokens`` tokens, as a task reads them):
    the reference a classifier with ELMo should beat."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from elmo.corpora import corpus_path
    from elmo.tasks.data import read_examples

    def read(split: str) -> tuple[list[str], list[str]]:
        examples = read_examples(corpus_path(corpus, split, format="labelled"), "labels", max_tokens=max_tokens)
        return ["".join(e.tokens) for e in examples], [e.labels[0] for e in examples]

    (train_x, train_y), (test_x, test_y) = read("train"), read("test")
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    classifier = LogisticRegression(max_iter=2000, C=4.0).fit(vectorizer.fit_transform(train_x), train_y)
    return 100.0 * classifier.score(vectorizer.transform(test_x), test_y)


def run_dir(name: str, seed: int) -> Path:
    return RUNS / name / f"seed{seed}"


def record_path(name: str, seed: int) -> Path:
    return RECORDS / name / f"seed{seed}.json"


def train(name: str, recipe: str, overrides: dict, seed: int, threads: int) -> None:
    folder = run_dir(name, seed)
    if finished(record_path(name, seed), overrides.get("training.epochs")):
        return
    if "features.lexicon_extra" in overrides:
        fetch("zh-dictionary", progress=False)  # its word list (words.txt)
    settings = [f"--set={k}={json.dumps(v)}" for k, v in {**overrides, "training.seed": seed}.items()]
    command = [str(ROOT / ".venv" / "bin" / "elmo"), "task", "train", recipe, *settings,
               "--output-dir", str(folder), "--quiet"]
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    with open(folder / "lock", "w") as lock, open(folder / "log.txt", "a") as log:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{name} seed {seed}: being trained by another process, skipped", flush=True)
            return
        code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    record_finished_runs()
    print(f"{name} seed {seed}: {'done' if code == 0 else f'failed ({code}), see {folder}/log.txt'}",
          flush=True)


def finished(record: Path, epochs: int | None) -> bool:
    """Whether the run's record (a results.json) has nothing to add: it stopped early, or made
    the asked epochs (a run asked for more epochs than it made resumes from its checkpoint), or
    it was recovered from reported scores (its run folder is gone: there is nothing to resume)."""
    if not record.is_file():
        return False
    done = json.loads(record.read_text())
    return ("recovered" in done or done.get("stopped") == "patience" or epochs is None
            or done["epochs"] >= epochs)


def record_finished_runs() -> None:
    """Copies each run folder's results.json to its record, where the record is missing or older."""
    for result in RUNS.glob("*/seed*/results.json"):
        record = record_path(result.parent.parent.name, int(result.parent.name.removeprefix("seed")))
        if not record.is_file() or record.stat().st_mtime < result.stat().st_mtime:
            write_text(record, result.read_text(encoding="utf-8"))


def results(name: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((RECORDS / name).glob("seed*.json"))]


def mean_spread(values: list[float]) -> str:
    if not values:
        return "—"
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):6.2f} ± {spread:4.2f}" if len(values) > 1 else f"{values[0]:6.2f}       "


def metric_mean(name: str, metric: str) -> float | None:
    values = [r["test"][metric] for r in results(name) if metric in r["test"]]
    return statistics.mean(values) if values else None


def print_table() -> None:
    print(f"{'test split':44s} {'n':>2s}  {'metrics (mean ± std over seeds)':62s} train sentences")
    for name, label, metrics in TABLE:
        runs = results(name)
        if not runs:
            print(f"{label:44s}  0  (not run)")
            continue
        cells = "  ".join(f"{m} {mean_spread([r['test'][m] for r in runs])}" for m in metrics)
        print(f"{label:44s} {len(runs):2d}  {cells:62s} {runs[0]['train_examples']}")
    print("\nrelative error reduction by ELMo (learned mix), error = 100 - score, test means:")
    for elmo_row, base_row, metric in [("pd-tagger-elmo-full", "pd-tagger-full", "seg_f1"),
                                       ("pd-tagger-elmo-full", "pd-tagger-full", "pos_f1"),
                                       ("pd-tagger-elmo-full", "pd-tagger-word2vec-full", "seg_f1"),
                                       ("pd-tagger-elmo-full", "pd-tagger-word2vec-full", "pos_f1"),
                                       ("pd-elmo", "pd-random", "pos_f1"), ("pd-elmo", "pd-word2vec", "pos_f1"),
                                       ("pd-elmo", "pd-word2vec", "seg_f1"), ("pd-elmo", "pd-elmo-top", "pos_f1"),
                                       ("ner-elmo", "ner-random", "entity_f1"),
                                       ("brown-elmo", "brown-random", "accuracy"),
                                       ("reviews-elmo", "reviews-random", "accuracy"),
                                       ("news-elmo", "news-random", "accuracy"),
                                       ("reviews-textcnn-elmo", "reviews-textcnn-random", "accuracy"),
                                       ("reviews-textrcnn-elmo", "reviews-textrcnn-random", "accuracy")]:
        ours, base = metric_mean(elmo_row, metric), metric_mean(base_row, metric)
        if ours is not None and base is not None:
            print(f"  {elmo_row} vs {base_row} ({metric}): {100 * (ours - base) / (100 - base):+.1f}%")
    print("\nlearned layer weights softmax(s) (layer 0, 1, 2), mean over seeds:")
    for name in ("pd-tagger-elmo-full", "pd-elmo", "ner-elmo", "brown-elmo", "reviews-elmo"):
        weights = layer_weights(name)
        if weights:
            print(f"  {name}: " + "; ".join(" ".join(f"{w:.3f}" for w in mix) for mix in weights))
    print("\nlow-resource curve (pd1998-tagger without and with ELMo, test POS F1; training sentences kept):")
    for fraction, with_elmo, without in CURVE:
        a, b = metric_mean(with_elmo, "pos_f1"), metric_mean(without, "pos_f1")
        if a is not None and b is not None:
            print(f"  {100 * fraction:5.1f}%: ELMo {a:6.2f}  without {b:6.2f}  "
                  f"error reduction {100 * (a - b) / (100 - b):+.1f}%")
    print("\nlexical analysis goals (PD1998 test, mean over seeds): seg F1 > 96.05, unseen-word recall > 80")
    for name in ("pd-tagger-full", "pd-tagger-elmo-full", "pd-tagger-dict-full", "pd-tagger-frozen-bigrams-full",
                 "pd-tagger-two-bigrams-full"):
        runs = results(name)
        if runs:
            seg, oov = metric_mean(name, "seg_f1"), metric_mean(name, "oov_recall")
            print(f"  {name}, {len(runs)} seed(s){'' if len(runs) >= 3 else ' (fewer than 3)'}: "
                  f"seg F1 {seg:.2f} ({'met' if seg > 96.05 else 'not met'}), "
                  f"unseen {oov:.2f} ({'met' if oov > 80 else 'not met'})")
    print("\nreferences computed now on the same splits (character 1-3-gram TF-IDF + logistic regression):")
    for corpus, max_tokens, rows in (("zh-reviews", None, ("reviews-elmo", "reviews-textrcnn-elmo")),
                                     ("zh-news", None, ("news-elmo",)), ("zh-news", NEWS_TOKENS, ("news-elmo",))):
        try:
            reference = tfidf_reference(corpus, max_tokens)
        except ElmoError as error:  # a corpus not fetched: say so, report the rest
            print(f"  {corpus}: not computed ({error})")
            continue
        best = [(metric_mean(row, "accuracy"), row) for row in rows if metric_mean(row, "accuracy") is not None]
        versus = "; ".join(f"{row} {value:.2f} ({value - reference:+.2f})" for value, row in best)
        print(f"  {corpus}{f' (first {max_tokens} tokens)' if max_tokens else ''}: {reference:.2f}%"
              + (f"  vs {versus}" if versus else ""))
    print("\nreferences (not comparable training data):")
    for line in REFERENCES:
        print(f"  {line}")


def layer_weights(name: str) -> list[list[float]]:
    runs = [r["layer_weights"] for r in results(name) if r.get("layer_weights")]
    if not runs:
        return []
    return [[statistics.mean(run[m][k] for run in runs) for k in range(len(runs[0][m]))]
            for m in range(len(runs[0]))]


def plot(folder: Path) -> None:
    """Draws the layer-weight and low-resource figures; a figure some of whose rows have no runs
    here is left as it is (it says which), not redrawn with panels or points missing."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    tasks = [(name, label, layer_weights(name)) for name, label in LAYER_PANELS]
    missing = [name for name, _, weights in tasks if not weights]
    if missing:
        print(f"\ndownstream_layer_weights.png not redrawn: no runs of {', '.join(missing)}")
    else:
        figure, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3), squeeze=False)
        for axis, (_, label, weights) in zip(axes[0], tasks):
            for m, mix in enumerate(weights):
                axis.bar([k + 0.35 * m for k in range(len(mix))], mix, width=0.35,
                         label=["input", "output"][m] if len(weights) > 1 else None)
            axis.set_xticks(range(len(weights[0])), [f"layer {k}" for k in range(len(weights[0]))])
            axis.axhline(1 / len(weights[0]), color="gray", linestyle=":", linewidth=1)
            axis.set_title(label)
            axis.set_ylabel("softmax(s)")
            if len(weights) > 1:
                axis.legend()
        figure.tight_layout()
        figure.savefig(folder / "downstream_layer_weights.png", dpi=120)
    points = [(f, metric_mean(a, "pos_f1"), metric_mean(b, "pos_f1")) for f, a, b in CURVE]
    missing = [name for (_, *names), (_, *means) in zip(CURVE, points)
               for name, mean in zip(names, means) if mean is None]
    if missing:
        print(f"downstream_low_resource.png not redrawn: no runs of {', '.join(missing)}")
    else:
        figure, axis = plt.subplots(figsize=(4.5, 3.2))
        xs = [100 * p[0] for p in points]
        axis.plot(xs, [p[1] for p in points], "o-", label="pd1998-tagger + ELMo in & out")
        axis.plot(xs, [p[2] for p in points], "s--", label="pd1998-tagger")
        axis.set_xscale("log")
        axis.set_xticks(xs, [f"{x:g}%" for x in xs])
        axis.minorticks_off()
        axis.set_xlabel("% of PD1998 training sentences")
        axis.set_ylabel("test POS F1 (seg + tag)")
        axis.legend()
        figure.tight_layout()
        figure.savefig(folder / "downstream_low_resource.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="train the missing runs first")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained side by side")
    parser.add_argument("--threads", type=int, default=1, help="threads per run")
    parser.add_argument("--only", nargs="*", help="row names to train (default: all)")
    parser.add_argument("--plot-dir", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    record_finished_runs()
    if args.run:
        jobs = [(n, r, o, s) for n, r, o, seeds in ROWS if not args.only or n in args.only
                for s in range(seeds)]
        jobs.sort(key=lambda job: job[3])  # every row's first seed, then the second seeds, ...
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda job: train(*job, args.threads), jobs))
    print_table()
    plot(args.plot_dir)


if __name__ == "__main__":
    sys.exit(main())
