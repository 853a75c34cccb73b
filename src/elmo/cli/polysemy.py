"""``elmo index``, ``elmo neighbors`` and ``elmo plot``: a word's senses seen through its vectors
(thin commands over :mod:`elmo.analysis.neighbors`, :mod:`elmo.analysis.plots`)."""
from __future__ import annotations

import itertools
from pathlib import Path

import click

import elmo
from elmo.cli import exit_interrupted, launched_by_torchrun
from elmo.errors import InputError
from elmo.interop.model_folder import DEFAULT_MODEL

MODEL_HELP = f"A bundled model (see `elmo models`) or a model folder.  [default: {DEFAULT_MODEL}]"


def _layer(value: str) -> int | str:
    if value != "mean" and not value.isdigit():
        raise click.BadParameter("a layer number (0 is context-free) or 'mean'")
    return value if value == "mean" else int(value)


def _corpus_file(corpus: str, split: str) -> Path:
    """A text file as given, else the split of a fetched corpus of that name."""
    from elmo import corpora
    from elmo.corpora.catalog import CORPORA

    if Path(corpus).is_file():
        return Path(corpus)
    if corpus in CORPORA:
        return corpora.corpus_path(corpus, split)
    raise InputError(f"{corpus} is neither a file nor a corpus (see `elmo data list`)")


@click.command("index")
@click.argument("corpus")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True,
              help="The index folder to write.")
@click.option("--model", "model_name", metavar="NAME_OR_PATH", help=MODEL_HELP)
@click.option("--layer", default="2", show_default=True, callback=lambda c, p, v: _layer(v),
              help="The layer indexed (0 is context-free), or 'mean' for the mean of the layers.")
@click.option("--words", help="Index only these comma-separated words (sentences without any "
                              "are skipped before embedding).  [default: every token]")
@click.option("--split", default="train", show_default=True, help="The split of a corpus name.")
@click.option("--max-sentences", type=click.IntRange(min=1), help="Read at most this many lines.")
@click.option("--tokenizer", type=click.Choice(("whitespace", "auto")), default="whitespace",
              show_default=True, help="whitespace: tokenized text, as corpora in the cache are; "
                                      "auto: raw text, split as the model's training text was.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@click.option("--block-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Lines indexed and kept together; a resumed run redoes at most one block.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--restart", is_flag=True,
              help="Drop the finished blocks of an interrupted run instead of resuming it.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.pass_context
def index_command(ctx: click.Context, corpus: str, output: Path, model_name: str | None,
                  layer: int | str, words: str | None, split: str, max_sentences: int | None,
                  tokenizer: str, batch_size: int, block_size: int, overwrite: bool, restart: bool,
                  quiet: bool) -> None:
    """Store the contextual vectors of CORPUS's tokens, with their sentences, in a faiss index.

    CORPUS is a text file (one sentence per line) or the name of a fetched corpus (`elmo data
    list`). Lines are read and embedded in blocks, so memory holds one block plus the index
    (4 * dim bytes per indexed token). Search the index with `elmo neighbors`.

    Finished blocks are kept in OUTPUT.partial/: if the command is interrupted, run it again with
    the same arguments to resume. Under torchrun each process indexes its share of the blocks and
    the first writes the index, the one a single process writes.
    """
    from elmo.analysis.neighbors import index_file

    path = _corpus_file(corpus, split)
    if output.exists() and not overwrite:
        raise InputError(f"{output} exists; give --overwrite to replace it")
    model = elmo.load(model_name, batch_size=batch_size)
    chosen = None if words is None else {word.strip() for word in words.split(",") if word.strip()}
    try:
        summary = index_file(
            model, path, output, layer=layer, words=chosen,
            tokenizer=model.tokenizer if tokenizer == "auto" else "whitespace",
            max_sentences=max_sentences, block_size=block_size, model_id=model_name,
            overwrite=overwrite, restart=restart, progress=not quiet,
            distributed=launched_by_torchrun())
    except KeyboardInterrupt:
        exit_interrupted(ctx, output)
    if summary is not None and not quiet:
        click.echo(f"indexed {summary.occurrences:,} occurrences in {summary.sentences:,} "
                   f"sentences ({summary.types:,} word types), layer {layer} of {model.name} "
                   f"-> {output}", err=True)


@click.command("neighbors")
@click.argument("index_folder", metavar="INDEX", type=click.Path(path_type=Path))
@click.argument("sentence")
@click.option("--word", required=True, help="The word of SENTENCE to look up.")
@click.option("-k", "count", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many neighbours.")
@click.option("--any-word", is_flag=True,
              help="Search all indexed tokens, not only occurrences of the same word.")
def neighbors_command(index_folder: Path, sentence: str, word: str, count: int,
                      any_word: bool) -> None:
    """Print the indexed occurrences nearest to WORD as used in SENTENCE (raw text), with their
    sentences, then the nearest words by the context-free layer 0 for contrast."""
    from elmo.analysis.neighbors import NeighbourIndex

    index = NeighbourIndex(index_folder)
    found = index.query(sentence, word, count, any_word)
    query = _marked(found.tokens, found.position)
    click.echo(f"{query}\n\nnearest occurrences (layer {index.meta['layer']} of "
               f"{index.meta['model']}, cosine):")
    for hit in found.occurrences:
        click.echo(f"  {hit.score:.3f}  {_marked(hit.tokens, hit.position)}")
    if not found.occurrences:
        click.echo("  (none)")
    click.echo("\nnearest words by layer 0 (context-free), cosine:")
    click.echo("  " + ", ".join(f"{other} {score:.3f}" for other, score in found.words))


@click.command("plot")
@click.argument("word")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True,
              help="The picture to write: .png, .svg or .pdf.")
@click.option("--examples", default="wordnet", show_default=True,
              help="Where the occurrences come from: 'wordnet' (the fetched corpus's sense-"
                   "labelled examples), a SENSE@POSITION<TAB>tokens file, or a text file with "
                   "one sentence per line (senses unknown).")
@click.option("--model", "model_name", metavar="NAME_OR_PATH", help=MODEL_HELP)
@click.option("--senses", type=click.IntRange(min=1), default=5, show_default=True,
              help="Keep the word's most frequent senses only.")
@click.option("--max-occurrences", type=click.IntRange(min=2), default=120, show_default=True)
def plot_command(word: str, output: Path, examples: str, model_name: str | None, senses: int,
                 max_occurrences: int) -> None:
    """Draw WORD's occurrences per layer: a 2-D PCA of its vectors coloured by sense, and the
    cosine similarity between occurrences."""
    from elmo.analysis.plots import plot_occurrences
    from elmo.analysis.senses import examples_of, target_vectors

    model = elmo.load(model_name)
    chosen = examples_of(word, _examples(examples, word, model), senses)[:max_occurrences]
    if len(chosen) < 2:
        raise InputError(f"'{word}' has {len(chosen)} occurrence(s) in {examples}; at least 2 "
                         "are needed")
    labels = [e.sense.removeprefix(word + ".") for e in chosen]  # "v.03", "1-行李", "?"
    title = f"'{word}': {len(chosen)} occurrences, {len(set(labels))} senses, {model.name}"
    path = plot_occurrences(target_vectors(model, chosen), labels, title, output)
    click.echo(f"wrote {path}", err=True)


def _examples(source: str, word: str, model):
    """Sense-labelled examples from ``source`` (see the --examples option)."""
    from elmo import corpora
    from elmo.analysis.senses import read_examples, unlabelled_examples
    from elmo.data.tokenizers import get_tokenizer

    if source == "wordnet":
        return [example for split in ("train", "dev", "test") for example in
                read_examples(corpora.corpus_path("wordnet", split, format="labelled"))]
    path = Path(source)
    if not path.is_file():
        raise InputError(f"no examples file {path} (give 'wordnet' or a file)")
    with open(path, encoding="utf-8") as file:
        labelled = any("\t" in line for line in itertools.islice(file, 20))
    if labelled:
        return read_examples(path)
    tokenize = get_tokenizer(model.tokenizer)
    with open(path, encoding="utf-8") as file:
        return unlabelled_examples(word, (tokenize(line) for line in file))


def _marked(tokens, position: int) -> str:
    """The sentence with its target token in brackets."""
    return " ".join(f"[{t}]" if i == position else t for i, t in enumerate(tokens))
