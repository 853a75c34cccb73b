"""``elmo task train / evaluate`` and ``elmo tag`` / ``elmo classify``: thin commands over
:mod:`elmo.tasks`."""
from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import click

from elmo import config_files
from elmo.errors import InputError
from elmo.tasks.saved import DEFAULT_TAGGER
from elmo.text_input import text_parts


@click.group("task")
def task() -> None:
    """Train and evaluate downstream task models (taggers, classifiers) on top of ELMo."""


@task.command("train")
@click.argument("config", metavar="CONFIG")
@click.option("--set", "settings", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Override a config value, e.g. --set training.seed=1 --set data.train_fraction=0.1")
@click.option("--output-dir", type=click.Path(path_type=Path), help="Override [training] output_dir.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def train_command(config: str, settings: tuple[str, ...], output_dir: Path | None, quiet: bool) -> None:
    """Train a task model as CONFIG (a TOML file, or a packaged recipe such as pd1998-elmo) says.

    ELMo layers are computed once per dataset and cached; training stops early when the dev score
    stops improving; running the same command again resumes from OUTPUT_DIR/checkpoint.pt. The best
    model goes to OUTPUT_DIR/model (for `elmo tag`, `elmo classify`, `elmo task evaluate`)."""
    from elmo.tasks.config import TASK_RECIPES, read_task_config
    from elmo.tasks.trainer import train_task

    overrides = config_files.parse_overrides(settings)
    if output_dir is not None:
        overrides["training.output_dir"] = str(output_dir)
    cfg = read_task_config(config_files.find_config(config, TASK_RECIPES), overrides)
    results = train_task(cfg, progress=not quiet)
    for split in ("dev", "test"):
        if split in results:
            click.echo(f"{split}: " + "  ".join(f"{k} {v:.2f}" for k, v in results[split].items()))
    click.echo(f"model -> {Path(cfg.training.output_dir) / 'model'}", err=True)


@task.command("evaluate")
@click.argument("model_dir", metavar="MODEL", type=click.Path(path_type=Path))
@click.option("--split", type=click.Choice(["dev", "test"]), default="test", show_default=True,
              help="Which split of the model's own data.")
@click.option("--data", "data_file", type=click.Path(path_type=Path),
              help="Score on this labelled file instead (the model's data format).")
@click.option("--quiet", "-q", is_flag=True)
def evaluate_command(model_dir: Path, split: str, data_file: Path | None, quiet: bool) -> None:
    """Score a trained task model (MODEL: the folder `elmo task train` wrote) on labelled data."""
    from elmo.tasks.evaluation import evaluate_saved

    scores = evaluate_saved(model_dir, split, data_file, progress=not quiet)
    click.echo("  ".join(f"{k} {v:.2f}" for k, v in scores.items()))


def _read_lines(input_file: Path | None, encoding: str) -> list[str]:
    """All lines of INPUT (or stdin), decoded; an invalid byte is an error naming the line."""
    return [text for text, _ in _input_parts(input_file, encoding)]


def _input_parts(input_file: Path | None, encoding: str) -> Iterator[tuple[str, bool]]:
    """INPUT's (or stdin's) lines as they are read, as ``(text, ends_line)`` (see text_parts)."""
    if input_file is None:
        yield from text_parts(sys.stdin.buffer, "stdin", encoding)
        return
    try:
        with open(input_file, "rb") as stream:
            yield from text_parts(stream, str(input_file), encoding)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise InputError(f"{input_file}: cannot be read ({error.strerror})") from None


@click.command("tag")
@click.argument("input_file", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("--model", "model_dir", default=DEFAULT_TAGGER, show_default=True,
              help="A trained task model folder (OUTPUT_DIR/model of `elmo task train`) or the "
                   "name of a bundled one.")
@click.option("--entities", is_flag=True,
              help="Join person, place and organisation names into name/PER, name/LOC, name/ORG.")
@click.option("--dictionary", type=click.Path(path_type=Path),
              help="A file of words, one per line, added to the model's lexicon: names and terms "
                   "it should take for words (a user dictionary; models with a lexicon only).")
@click.option("--encoding", default="utf-8", show_default=True)
def tag_command(input_file: Path | None, model_dir: str, entities: bool, dictionary: Path | None,
                encoding: str) -> None:
    """Tag raw text (INPUT or stdin, one text per line): prints word/TAG lines.

    The bundled model segments Chinese text and tags each word's part of speech (the PD1998
    tags: n noun, v verb, nr person name, ns place name, nt organisation name, ...); with
    --entities the names become PER / LOC / ORG. Input is read and printed as it streams, in
    bounded memory; an empty line stays empty."""
    from elmo.tasks.predict import Predictor

    predictor = Predictor(model_dir, dictionary=dictionary)
    line_ends: deque[bool] = deque()

    def texts() -> Iterator[str]:
        for text, ends in _input_parts(input_file, encoding):
            line_ends.append(ends)
            yield text

    for tagged in predictor.tag_lines(texts(), entities=entities):
        ends = line_ends.popleft()  # a part of a very long line continues on the same line
        click.echo(tagged if ends or not tagged else tagged + " ", nl=ends)


@click.command("classify")
@click.argument("input_file", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("--model", "model_dir", required=True, type=click.Path(path_type=Path),
              help="A trained task model folder (OUTPUT_DIR/model of `elmo task train`).")
@click.option("--encoding", default="utf-8", show_default=True)
def classify_command(input_file: Path | None, model_dir: Path, encoding: str) -> None:
    """Classify raw text (INPUT or stdin, one text per line): prints label<TAB>text lines."""
    from elmo.tasks.predict import Predictor

    lines = _read_lines(input_file, encoding)
    for label, line in zip(Predictor(model_dir).classify_lines(lines), lines):
        click.echo(f"{label}\t{line}")
