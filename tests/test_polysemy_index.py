"""Building a contextual-vector index and looking words up in it, with the tiny model."""
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import TINY, torchrun_elmo

import elmo
from elmo.analysis.neighbors import (
    FILES,
    NeighbourIndex,
    build_index,
    index_file,
    layer_vectors,
)
from elmo.cli.main import main
from elmo.embed.embedder import Embedder
from elmo.errors import InputError

SENTENCES = [["I", "play", "chess", "."], ["the", "cat", "sat"], ["a", "play", "on", "stage"],
             ["we", "play", "cards", "."]]


@pytest.fixture(scope="module")
def model():
    return elmo.load(TINY)


@pytest.fixture(scope="module")
def folder(model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("index")
    build_index(model, SENTENCES, folder, layer=2, words={"play"}, block_size=2, progress=False)
    return folder


def unit(rows):
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_only_the_chosen_words_are_indexed_with_their_sentences(folder):
    index = NeighbourIndex(folder)
    assert index.index.ntotal == 3
    assert index.sentences == [tuple(s) for s in SENTENCES if "play" in s]
    assert index.occurrences[:, :2].tolist() == [[0, 1], [1, 1], [2, 1]]
    assert "chess" in index.types  # every type of an indexed sentence has a layer-0 vector


def test_neighbours_are_ranked_by_the_cosine_of_the_layer(model, folder):
    query = ["you", "play", "chess", "."]
    found = NeighbourIndex(folder, model).query(query, "play", k=3)
    vectors = [model.embed([s])[0][2, 1] for s in [query] + [s for s in SENTENCES if "play" in s]]
    expected = unit(np.array(vectors[1:])) @ unit(vectors[0])
    assert [hit.score for hit in found.occurrences] == pytest.approx(sorted(expected)[::-1],
                                                                     abs=1e-5)
    assert found.occurrences[0].tokens[found.occurrences[0].position] == "play"


def test_the_query_sentence_itself_is_left_out(model, folder):
    found = NeighbourIndex(folder, model).query(["I", "play", "chess", "."], "play", k=5)
    assert ("I", "play", "chess", ".") not in [hit.tokens for hit in found.occurrences]
    assert len(found.occurrences) == 2


def test_layer_zero_neighbours_are_other_word_types(model, folder):
    words = NeighbourIndex(folder, model).query(["play"], "play", k=4).words
    assert len(words) == 4 and "play" not in [word for word, _ in words]
    assert [score for _, score in words] == sorted([score for _, score in words], reverse=True)


def test_a_word_not_in_the_sentence_is_an_input_error(model, folder):
    with pytest.raises(InputError, match="not a token of the sentence"):
        NeighbourIndex(folder, model).query(["I", "win"], "play")


def test_a_word_not_in_the_index_is_an_input_error(model, folder):
    with pytest.raises(InputError, match="does not occur in the index"):
        NeighbourIndex(folder, model).query(["the", "cat"], "cat")


def test_a_folder_that_is_not_an_index_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not an index"):
        NeighbourIndex(tmp_path)


def test_the_mean_layer_and_a_missing_layer():
    vectors = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    assert layer_vectors(vectors, "mean").tolist() == [[4, 5], [6, 7]]
    with pytest.raises(InputError, match="layers 0 to 2"):
        layer_vectors(vectors, 3)


def _same_files(first, second) -> bool:
    return all((first / name).read_bytes() == (second / name).read_bytes() for name in FILES)


def test_a_file_is_indexed_as_its_sentences_are(model, folder, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(" ".join(s) + "\n" for s in SENTENCES), encoding="utf-8")
    summary = index_file(model, corpus, tmp_path / "index", layer=2, words={"play"}, block_size=2,
                         progress=False)
    assert (summary.sentences, summary.occurrences) == (3, 3)
    assert _same_files(tmp_path / "index", folder)


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in SENTENCES * 3), encoding="utf-8")
    return path


def index(*args) -> int:
    result = CliRunner().invoke(main, ["index", "--model", TINY, "-q", *map(str, args)])
    assert result.exit_code in (0, 2, 130), result.output
    return result


def test_an_interrupted_index_resumes_from_its_kept_blocks(corpus, tmp_path, monkeypatch):
    assert index(corpus, "-o", tmp_path / "clean", "--block-size", 2).exit_code == 0
    calls, original, stop_at = [], Embedder.embed, [3]

    def embed(self, sentences, batch_size=None):
        calls.append(sentences)
        if len(calls) == stop_at[0]:
            raise KeyboardInterrupt
        return original(self, sentences, batch_size)

    monkeypatch.setattr(Embedder, "embed", embed)
    result = index(corpus, "-o", tmp_path / "index", "--block-size", 2)
    assert result.exit_code == 130 and "run the same command again to resume" in result.output
    assert len(list((tmp_path / "index.partial").glob("block-*.npz"))) == 2
    changed = index(corpus, "-o", tmp_path / "index", "--block-size", 2, "--layer", "1")
    assert changed.exit_code == 2 and "--restart" in changed.output
    calls.clear()
    stop_at[0] = None
    assert index(corpus, "-o", tmp_path / "index", "--block-size", 2).exit_code == 0
    assert len(calls) == 4  # the blocks not finished before
    assert _same_files(tmp_path / "index", tmp_path / "clean")
    assert not (tmp_path / "index.partial").exists()


def test_two_processes_write_the_index_one_process_writes(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_NUM_THREADS", "1")
    assert index(corpus, "-o", tmp_path / "single", "--block-size", 2).exit_code == 0
    torchrun_elmo("index", "--model", TINY, "-q", corpus, "-o", tmp_path / "two", "--block-size", 2)
    assert _same_files(tmp_path / "two", tmp_path / "single")
