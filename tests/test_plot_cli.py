"""`elmo plot`, `elmo index` and `elmo neighbors` from the command line, with the tiny model."""
from click.testing import CliRunner
from conftest import TINY

from elmo.cli.main import main

EXAMPLES = ["bank.money@1\tthe bank lent money", "bank.money@2\tat the bank today",
            "bank.river@3\ton the river bank", "bank.river@1\tthe bank was muddy"]


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def test_plot_writes_a_png_of_the_labelled_occurrences(tmp_path):
    source = tmp_path / "bank.tsv"
    source.write_text("\n".join(EXAMPLES) + "\n", encoding="utf-8")
    result = run("plot", "bank", "--examples", source, "--model", TINY, "-o", tmp_path / "b.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_writes_svg_from_plain_sentences(tmp_path):
    source = tmp_path / "plain.txt"
    source.write_text("the bank lent money\nno such word\non the river bank\n", encoding="utf-8")
    result = run("plot", "bank", "--examples", source, "--model", TINY, "-o", tmp_path / "b.svg")
    assert result.exit_code == 0, result.output
    assert "<svg" in (tmp_path / "b.svg").read_text(encoding="utf-8")


def test_plot_with_too_few_occurrences_says_so(tmp_path):
    source = tmp_path / "plain.txt"
    source.write_text("the bank lent money\n", encoding="utf-8")
    result = run("plot", "bank", "--examples", source, "--model", TINY, "-o", tmp_path / "b.png")
    assert result.exit_code == 2 and "error: 'bank' has 1 occurrence(s)" in result.output


def test_index_then_neighbors_prints_the_nearest_sentences(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the bank lent money\non the river bank\nthe cat sat\n", encoding="utf-8")
    result = run("index", corpus, "-o", tmp_path / "idx", "--model", TINY, "--layer", "mean", "-q")
    assert result.exit_code == 0, result.output
    result = run("neighbors", tmp_path / "idx", "a bank account", "--word", "bank", "-k", "2")
    assert result.exit_code == 0, result.output
    assert "the [bank] lent money" in result.output and "on the river [bank]" in result.output
    assert "nearest words by layer 0" in result.output


def test_neighbors_of_a_missing_index_is_a_one_line_error(tmp_path):
    result = run("neighbors", tmp_path / "nothing", "a bank", "--word", "bank")
    assert result.exit_code == 2 and result.output.startswith("error: ")
