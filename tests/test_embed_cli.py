"""The `elmo` command-line tool: `elmo embed` files, resuming, errors, and `elmo models`."""
import json

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REFERENCE, TINY, torchrun_elmo

import elmo
from elmo.cli.main import main
from elmo.embed.embedder import Embedder

REFERENCE_SENTENCES = REFERENCE / "lm_embeddings_sentences.json"

LINES = ["I play chess .", "The cat sat on the mat .", "Hello", "a b c d e f g h", "chess is fun"]


@pytest.fixture(scope="module")
def model() -> Embedder:
    return elmo.load(TINY)


@pytest.fixture()
def input_file(tmp_path):
    path = tmp_path / "input.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def run(*args):
    """Invoke the CLI; ``embed`` uses the tiny reference model unless a model is given."""
    args = [str(arg) for arg in args]
    if args[:1] == ["embed"] and not {"--model", "--options-file", "--weight-file"} & set(args):
        args[1:1] = ["--model", TINY]
    return CliRunner().invoke(main, args)


def embed(*args):
    result = run("embed", "--quiet", *args)
    assert result.exit_code == 0, result.output
    return result


def read_vectors(path) -> dict[str, np.ndarray]:
    """Every entry of an HDF5 or .npz output except sentence_to_index (and the .npz tokens)."""
    if str(path).endswith(".npz"):
        with np.load(path) as file:
            return {key: file[key] for key in file.files if key not in ("sentence_to_index", "tokens")}
    with h5py.File(path, "r") as file:
        return {key: file[key][()] for key in file if key != "sentence_to_index"}


def read_tokens(path) -> dict[str, list[str]]:
    """The recorded tokens of each vector key: HDF5 dataset attributes, or the .npz tokens entry."""
    if str(path).endswith(".npz"):
        with np.load(path) as file:  # no allow_pickle: the entry is a plain string array
            return json.loads(file["tokens"][0])
    with h5py.File(path, "r") as file:
        return {key: json.loads(file[key].attrs["tokens"]) for key in file
                if key != "sentence_to_index"}


def count_embed_calls(monkeypatch, interrupt_at: int | None = None) -> list[list[list[str]]]:
    """Record the sentences of each Embedder.embed call; raise KeyboardInterrupt at one of them."""
    calls, original = [], Embedder.embed

    def embed_and_count(self, sentences, batch_size=None):
        calls.append([list(sentence) for sentence in sentences])
        if len(calls) == interrupt_at:
            raise KeyboardInterrupt
        return original(self, sentences, batch_size)

    monkeypatch.setattr(Embedder, "embed", embed_and_count)
    return calls


def test_hdf5_output_has_one_float32_dataset_of_all_layers_per_line(input_file, tmp_path):
    embed(input_file, tmp_path / "out.hdf5")
    with h5py.File(tmp_path / "out.hdf5", "r") as file:
        assert sorted(file) == ["0", "1", "2", "3", "4", "sentence_to_index"]
        assert [file[str(i)].shape for i in range(5)] == [(3, len(line.split()), 32) for line in LINES]
        assert all(file[str(i)].dtype == np.float32 for i in range(5))


def test_hdf5_vectors_equal_model_embed(input_file, tmp_path, model):
    embed(input_file, tmp_path / "out.hdf5")
    expected = model.embed([line.split() for line in LINES])
    written = read_vectors(tmp_path / "out.hdf5")
    for index, vectors in enumerate(expected):
        np.testing.assert_allclose(written[str(index)], vectors, atol=1e-6)


def test_top_writes_the_last_layer(input_file, tmp_path, model):
    embed(input_file, tmp_path / "out.hdf5", "--top")
    written = read_vectors(tmp_path / "out.hdf5")
    for index, vectors in enumerate(model.embed([line.split() for line in LINES])):
        assert written[str(index)].shape == (len(LINES[index].split()), 32)
        np.testing.assert_allclose(written[str(index)], vectors[-1], atol=1e-6)


def test_average_writes_the_mean_of_the_layers(input_file, tmp_path, model):
    embed(input_file, tmp_path / "out.hdf5", "--average")
    written = read_vectors(tmp_path / "out.hdf5")
    for index, vectors in enumerate(model.embed([line.split() for line in LINES])):
        assert written[str(index)].shape == (len(LINES[index].split()), 32)
        np.testing.assert_allclose(written[str(index)], vectors.mean(axis=0), atol=1e-6)


def test_only_one_of_all_top_average_is_accepted(input_file, tmp_path):
    result = run("embed", input_file, tmp_path / "out.hdf5", "--top", "--average")
    assert result.exit_code == 2
    assert "only one of --all, --top, --average" in result.output


def test_sentence_keys_name_each_dataset_by_its_sentence(input_file, tmp_path, model):
    embed(input_file, tmp_path / "out.hdf5", "--use-sentence-keys")
    written = read_vectors(tmp_path / "out.hdf5")
    assert sorted(written) == sorted(LINES)
    np.testing.assert_allclose(written["Hello"], model.embed_sentence(["Hello"]), atol=1e-6)


def test_sentence_keys_write_a_repeated_sentence_once(tmp_path):
    (tmp_path / "in.txt").write_text("a b\nc\na b\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5", "--use-sentence-keys")
    with h5py.File(tmp_path / "out.hdf5", "r") as file:
        assert sorted(file) == ["a b", "c"]


def test_sentence_to_index_maps_each_sentence_to_its_line_index(input_file, tmp_path):
    embed(input_file, tmp_path / "out.hdf5")
    with h5py.File(tmp_path / "out.hdf5", "r") as file:
        mapping = json.loads(file["sentence_to_index"][0])
    assert mapping == {line: str(index) for index, line in enumerate(LINES)}


def test_npz_output_equals_hdf5_output(input_file, tmp_path):
    embed(input_file, tmp_path / "out.hdf5")
    embed(input_file, tmp_path / "out.npz")
    hdf5, npz = read_vectors(tmp_path / "out.hdf5"), read_vectors(tmp_path / "out.npz")
    assert sorted(npz) == sorted(hdf5)
    for key in hdf5:
        np.testing.assert_array_equal(npz[key], hdf5[key])
    with np.load(tmp_path / "out.npz") as file:
        assert json.loads(file["sentence_to_index"][0]) == {line: str(i) for i, line in enumerate(LINES)}


def test_format_option_overrides_the_output_suffix(input_file, tmp_path):
    embed(input_file, tmp_path / "out.vectors", "--format", "npz")
    with np.load(tmp_path / "out.vectors") as file:
        assert file["1"].shape == (3, 7, 32)


def test_empty_line_gets_zero_tokens_and_later_lines_keep_their_index(tmp_path, model):
    (tmp_path / "in.txt").write_text("I play chess .\n   \nHello world\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5")
    written = read_vectors(tmp_path / "out.hdf5")
    assert written["1"].shape == (3, 0, 32)
    np.testing.assert_allclose(written["2"], model.embed_sentence(["Hello", "world"]), atol=1e-6)


def test_long_line_is_split_and_keeps_a_vector_per_token(tmp_path, model):
    tokens = "a b c d e f g".split()
    (tmp_path / "in.txt").write_text(" ".join(tokens) + "\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5", "--max-sentence-length", 3)
    written = read_vectors(tmp_path / "out.hdf5")["0"]
    assert written.shape == (3, 7, 32)
    np.testing.assert_allclose(written[:, 3:6], model.embed_sentence(tokens[3:6]), atol=1e-6)


def test_long_line_with_error_policy_exits_2_naming_the_line(input_file, tmp_path):
    result = run("embed", input_file, tmp_path / "out.hdf5", "--max-sentence-length", 5,
                 "--long-sentences", "error")
    assert result.exit_code == 2
    assert "error: " in result.output and "line 2 has 7 tokens" in result.output
    assert "Traceback" not in result.output


def test_summary_line_counts_lines_tokens_and_empty_lines(tmp_path):
    (tmp_path / "in.txt").write_text("I play chess .\n\nHello\n", encoding="utf-8")
    result = run("embed", tmp_path / "in.txt", tmp_path / "out.hdf5")
    assert result.exit_code == 0
    assert "embedded 3 lines (5 tokens, 1 empty)" in result.output


def test_interrupted_run_keeps_finished_blocks_and_exits_130(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=2)
    result = run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    assert result.exit_code == 130
    assert "run the same command again to resume" in result.output
    assert sorted(p.name for p in (tmp_path / "out.hdf5.partial").glob("block-*.npz")) == ["block-0-2.npz"]
    assert not (tmp_path / "out.hdf5").exists()


def test_run_interrupted_before_any_block_finished_leaves_no_partial_folder(input_file, tmp_path,
                                                                           monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=1)
    result = run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    assert result.exit_code == 130
    assert "no block was finished" in result.output
    assert not (tmp_path / "out.hdf5.partial").exists()


def test_resumed_run_does_not_recompute_finished_blocks(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=2)
    run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    calls = count_embed_calls(monkeypatch)
    embed(input_file, tmp_path / "out.hdf5", "--block-size", 2)
    assert calls == [[line.split() for line in LINES[2:4]], [LINES[4].split()]]


def test_resumed_run_writes_the_same_output_as_an_uninterrupted_run(input_file, tmp_path,
                                                                    monkeypatch):
    embed(input_file, tmp_path / "whole.hdf5", "--block-size", 2)
    count_embed_calls(monkeypatch, interrupt_at=2)
    run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    monkeypatch.undo()
    embed(input_file, tmp_path / "out.hdf5", "--block-size", 2)
    whole, resumed = read_vectors(tmp_path / "whole.hdf5"), read_vectors(tmp_path / "out.hdf5")
    assert sorted(resumed) == sorted(whole)
    for key in whole:  # equal up to rounding: the token cache holds other tokens when resuming
        np.testing.assert_allclose(resumed[key], whole[key], atol=1e-6)
    assert not (tmp_path / "out.hdf5.partial").exists()


def test_resume_with_other_settings_fails_asking_for_restart(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=2)
    run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    monkeypatch.undo()
    result = run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2, "--top")
    assert result.exit_code == 2
    assert "layers was 'all', now 'top'" in result.output and "--restart" in result.output


def test_restart_recomputes_every_block(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=2)
    run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    calls = count_embed_calls(monkeypatch)
    embed(input_file, tmp_path / "out.hdf5", "--block-size", 2, "--top", "--restart")
    assert len(calls) == 3
    assert read_vectors(tmp_path / "out.hdf5")["0"].shape == (4, 32)


def test_missing_input_exits_2_naming_the_file(tmp_path):
    result = run("embed", tmp_path / "nowhere.txt", tmp_path / "out.hdf5")
    assert result.exit_code == 2
    assert "error: input file not found" in result.output and "nowhere.txt" in result.output
    assert "Traceback" not in result.output


def test_invalid_utf8_exits_2_naming_the_line(tmp_path):
    (tmp_path / "in.txt").write_bytes(b"fine\nalso fine\nbad \xff byte\n")
    result = run("embed", tmp_path / "in.txt", tmp_path / "out.hdf5")
    assert result.exit_code == 2
    assert "line 3 is not valid utf-8" in result.output
    assert "Traceback" not in result.output


def test_failed_run_with_no_finished_block_leaves_no_partial_folder(tmp_path):
    (tmp_path / "in.txt").write_bytes(b"bad \xff byte\n")
    run("embed", tmp_path / "in.txt", tmp_path / "out.hdf5")
    assert not (tmp_path / "out.hdf5.partial").exists()


def test_encoding_option_reads_other_encodings(tmp_path, model):
    (tmp_path / "in.txt").write_bytes("café noir\n".encode("latin-1"))
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5", "--encoding", "latin-1")
    with h5py.File(tmp_path / "out.hdf5", "r") as file:
        assert json.loads(file["sentence_to_index"][0]) == {"café noir": "0"}
        np.testing.assert_allclose(file["0"][()], model.embed_sentence(["café", "noir"]), atol=1e-6)


def test_existing_output_is_refused_and_left_unchanged(input_file, tmp_path):
    (tmp_path / "out.hdf5").write_bytes(b"keep me")
    result = run("embed", input_file, tmp_path / "out.hdf5")
    assert result.exit_code == 2
    assert "output file exists" in result.output and "--overwrite" in result.output
    assert (tmp_path / "out.hdf5").read_bytes() == b"keep me"


def test_overwrite_replaces_existing_output(input_file, tmp_path):
    (tmp_path / "out.hdf5").write_bytes(b"old")
    embed(input_file, tmp_path / "out.hdf5", "--overwrite")
    assert len(read_vectors(tmp_path / "out.hdf5")) == len(LINES)


def test_jieba_tokenizer_embeds_chinese_words(tmp_path, model):
    (tmp_path / "in.txt").write_text("我爱北京天安门\n苹果手机\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5", "--tokenizer", "jieba")
    written = read_vectors(tmp_path / "out.hdf5")
    assert [written["0"].shape, written["1"].shape] == [(3, 4, 32), (3, 2, 32)]
    np.testing.assert_allclose(written["0"], model.embed_sentence(["我", "爱", "北京", "天安门"]),
                               atol=1e-6)


def test_chars_tokenizer_embeds_each_character(tmp_path):
    (tmp_path / "in.txt").write_text("苹果手机\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5", "--tokenizer", "chars")
    assert read_vectors(tmp_path / "out.hdf5")["0"].shape == (3, 4, 32)


@pytest.mark.parametrize("name", ["out.hdf5", "out.npz"])
def test_output_records_the_tokens_of_each_line_one_per_vector(tmp_path, model, name):
    (tmp_path / "in.txt").write_text("ab cd\n\n苹果 x\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / name, "--tokenizer", "chars")
    tokens, vectors = read_tokens(tmp_path / name), read_vectors(tmp_path / name)
    assert tokens == {"0": ["a", "b", "c", "d"], "1": [], "2": ["苹", "果", "x"]}
    assert all(len(tokens[key]) == vectors[key].shape[1] for key in vectors)
    np.testing.assert_allclose(vectors["0"], model.embed_sentence(tokens["0"]), atol=1e-6)


@pytest.mark.parametrize("name", ["out.hdf5", "out.npz"])
def test_moses_tokens_are_recorded_where_they_differ_from_whitespace(tmp_path, name):
    (tmp_path / "in.txt").write_text("Don't stop.\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / name, "--tokenizer", "moses", "--top")
    tokens, vectors = read_tokens(tmp_path / name), read_vectors(tmp_path / name)
    assert tokens == {"0": ["Don", "'t", "stop", "."]}
    assert vectors["0"].shape == (4, 32)


def test_whitespace_tokens_are_recorded_for_every_line(input_file, tmp_path):
    embed(input_file, tmp_path / "out.hdf5")
    assert read_tokens(tmp_path / "out.hdf5") == {str(i): line.split() for i, line in enumerate(LINES)}
    with h5py.File(tmp_path / "out.hdf5", "r") as file:  # the keys stay those of dump_bilm_embeddings
        assert sorted(file) == ["0", "1", "2", "3", "4", "sentence_to_index"]


def test_npz_tokens_entry_reads_without_pickle(input_file, tmp_path):
    embed(input_file, tmp_path / "out.npz", "--forget-sentences")
    with np.load(tmp_path / "out.npz", allow_pickle=False) as file:
        assert sorted(file.files) == ["0", "1", "2", "3", "4", "tokens"]
        assert file["tokens"].dtype.kind == "U"
        assert json.loads(file["tokens"][0])["1"] == LINES[1].split()


def test_truncated_line_records_only_the_tokens_it_keeps(tmp_path):
    (tmp_path / "in.txt").write_text("a b c d e f g\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.npz", "--max-sentence-length", 3,
          "--long-sentences", "truncate")
    assert read_vectors(tmp_path / "out.npz")["0"].shape == (3, 3, 32)
    assert read_tokens(tmp_path / "out.npz") == {"0": ["a", "b", "c"]}


def test_split_long_line_records_every_token(tmp_path):
    (tmp_path / "in.txt").write_text("a b c d e f g\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / "out.hdf5", "--max-sentence-length", 3)
    assert read_tokens(tmp_path / "out.hdf5") == {"0": list("abcdefg")}


@pytest.mark.parametrize("name", ["out.hdf5", "out.npz"])
def test_sentence_keys_record_the_tokens_under_the_sentence(tmp_path, name):
    (tmp_path / "in.txt").write_text("ab c\n\nab c\nd\n", encoding="utf-8")
    embed(tmp_path / "in.txt", tmp_path / name, "--use-sentence-keys", "--tokenizer", "chars")
    assert read_tokens(tmp_path / name) == {"ab c": ["a", "b", "c"], "d": ["d"]}
    assert read_vectors(tmp_path / name)["ab c"].shape == (3, 3, 32)


def test_npz_sentence_keys_refuse_a_sentence_named_tokens(tmp_path):
    (tmp_path / "in.txt").write_text("a b\ntokens\n", encoding="utf-8")
    result = run("embed", "--quiet", tmp_path / "in.txt", tmp_path / "out.npz", "--use-sentence-keys")
    assert result.exit_code == 2
    assert "line 2" in result.output and "--format hdf5" in result.output
    assert not (tmp_path / "out.npz").exists() and (tmp_path / "out.npz.partial").is_dir()
    embed(tmp_path / "in.txt", tmp_path / "out.npz", "--use-sentence-keys", "--format", "hdf5")
    with h5py.File(tmp_path / "out.npz", "r") as file:
        assert json.loads(file["tokens"].attrs["tokens"]) == ["tokens"]


@pytest.mark.parametrize("name", ["out.hdf5", "out.npz"])
def test_resumed_run_records_the_tokens_of_resumed_blocks(tmp_path, monkeypatch, name):
    lines = ["ab cd", "e", "fg h", "", "ijk"]
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    count_embed_calls(monkeypatch, interrupt_at=2)
    result = run("embed", "--quiet", tmp_path / "in.txt", tmp_path / name, "--block-size", 2,
                 "--tokenizer", "chars")
    assert result.exit_code == 130
    assert [p.name for p in (tmp_path / f"{name}.partial").glob("block-*.npz")] == ["block-0-2.npz"]
    calls = count_embed_calls(monkeypatch)
    embed(tmp_path / "in.txt", tmp_path / name, "--block-size", 2, "--tokenizer", "chars")
    assert calls == [[list("fgh"), []], [list("ijk")]]  # lines 0 and 1 come from the kept block
    tokens, vectors = read_tokens(tmp_path / name), read_vectors(tmp_path / name)
    assert tokens == {str(i): [c for c in line if c != " "] for i, line in enumerate(lines)}
    assert all(len(tokens[key]) == vectors[key].shape[1] for key in vectors)


def test_kept_block_without_tokens_is_embedded_again(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=2)
    run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    block = tmp_path / "out.hdf5.partial" / "block-0-2.npz"
    with np.load(block) as kept:  # a block as an older version wrote it
        entries = {key: kept[key] for key in kept.files if key != "_tokens"}
    np.savez(block, **entries)
    calls = count_embed_calls(monkeypatch)
    embed(input_file, tmp_path / "out.hdf5", "--block-size", 2)
    assert calls[0] == [line.split() for line in LINES[0:2]] and len(calls) == 3
    assert read_tokens(tmp_path / "out.hdf5")["1"] == LINES[1].split()


def test_cuda_device_other_than_cpu_is_rejected(input_file, tmp_path):
    result = run("embed", input_file, tmp_path / "out.hdf5", "--cuda-device", 0)
    assert result.exit_code == 2
    assert "runs on the CPU" in result.output


def test_model_option_conflicts_with_weight_file(input_file, tmp_path):
    result = run("embed", input_file, tmp_path / "out.hdf5", "--model", "bilm-tf-tiny",
                 "--weight-file", "w.hdf5")
    assert result.exit_code == 2
    assert "not both" in result.output


def test_options_and_weight_files_load_the_same_model(input_file, tmp_path, tiny_model_dir):
    embed(input_file, tmp_path / "named.hdf5")
    embed(input_file, tmp_path / "files.hdf5", "--options-file", tiny_model_dir / "options.json",
          "--weight-file", tiny_model_dir / "lm_weights.hdf5")
    named, files = read_vectors(tmp_path / "named.hdf5"), read_vectors(tmp_path / "files.hdf5")
    for key in named:
        np.testing.assert_array_equal(files[key], named[key])


def test_unknown_model_exits_2_listing_bundled_models(input_file, tmp_path):
    result = run("embed", input_file, tmp_path / "out.hdf5", "--model", "no-such-model")
    assert result.exit_code == 2
    assert "error: no model named or found at 'no-such-model'" in result.output
    assert "bilm-tf-tiny" in result.output


def test_models_lists_bundled_models_with_their_sizes():
    result = run("models")
    assert result.exit_code == 0
    header, *rows = result.output.splitlines()
    assert header.split()[:4] == ["name", "layers", "cells", "projection"]
    by_name = {row.split()[0]: row.split()[1:] for row in rows}
    assert by_name["bilm-tf-tiny"][:4] == ["2", "64", "16", "32"]
    assert by_name["en-small"][:5] == ["(default)", "2", "512", "128", "256"]


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    assert "embed" in result.output and "models" in result.output


def test_demo_prints_a_similarity_per_layer_for_each_pair():
    from click.testing import CliRunner

    from elmo.cli.main import main
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line.startswith(("play", "bank"))]
    assert len(rows) == 4
    assert all(float(row[2]) == 1.0 and len(row) == 5 for row in rows)  # layer 0 is context-free


def test_a_second_run_on_the_same_output_is_refused_naming_the_run_that_holds_it(input_file, tmp_path):
    from elmo.files import exclusive_lock, lock_beside
    output = tmp_path / "out.hdf5"
    with exclusive_lock(lock_beside(output), "elmo embed"):
        result = run("embed", "--quiet", input_file, output)
    assert result.exit_code == 2 and "is held by elmo embed (process" in result.output
    assert not output.exists() and not (tmp_path / "out.hdf5.partial").exists()
    embed(input_file, output)  # free again once the holder is gone
    assert not lock_beside(output).exists()


def test_a_resumed_run_writes_exactly_what_a_clean_run_writes(tmp_path, monkeypatch):
    text = [" ".join(s) for group in json.loads(REFERENCE_SENTENCES.read_text()) for s in group]
    source = tmp_path / "input.txt"
    source.write_text("\n".join(text) + "\n", encoding="utf-8")
    embed("--model", "en-small", source, tmp_path / "clean.hdf5", "--block-size", 10)
    count_embed_calls(monkeypatch, interrupt_at=3)
    interrupted = run("embed", "--quiet", "--model", "en-small", source, tmp_path / "resumed.hdf5",
                      "--block-size", 10)
    assert interrupted.exit_code == 130
    monkeypatch.undo()
    embed("--model", "en-small", source, tmp_path / "resumed.hdf5", "--block-size", 10)
    expected, resumed = read_vectors(tmp_path / "clean.hdf5"), read_vectors(tmp_path / "resumed.hdf5")
    assert expected.keys() == resumed.keys() and len(expected) == 30
    for key in expected:
        np.testing.assert_array_equal(resumed[key], expected[key])


def test_a_damaged_kept_block_is_embedded_again_not_trusted(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=2)
    assert run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2).exit_code == 130
    monkeypatch.undo()
    block = tmp_path / "out.hdf5.partial" / "block-0-2.npz"
    data = bytearray(block.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the vectors
    block.write_bytes(bytes(data))
    result = run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2)
    assert result.exit_code == 0 and "block-0-2.npz was damaged" in result.output
    embed(input_file, tmp_path / "clean.hdf5", "--block-size", 2)
    expected = read_vectors(tmp_path / "clean.hdf5")
    for key, vectors in read_vectors(tmp_path / "out.hdf5").items():
        np.testing.assert_array_equal(vectors, expected[key])


def test_a_file_of_nul_bytes_is_refused_as_not_text(tmp_path):
    source = tmp_path / "binary.txt"
    source.write_bytes(bytes(4096))
    result = run("embed", "--quiet", source, tmp_path / "out.hdf5")
    assert result.exit_code == 2 and "line 1 holds NUL bytes" in result.output


def test_a_slash_in_a_sentence_key_is_refused_not_nested(tmp_path):
    source = tmp_path / "input.txt"
    source.write_text("either / or\n", encoding="utf-8")
    result = run("embed", "--quiet", source, tmp_path / "out.hdf5", "--use-sentence-keys")
    assert result.exit_code == 2 and "holds '/'" in result.output
    embed(source, tmp_path / "out.npz", "--use-sentence-keys")
    assert list(read_vectors(tmp_path / "out.npz")) == ["either / or"]


def test_a_full_disk_is_reported_naming_the_output(input_file, tmp_path, monkeypatch):
    from elmo.embed import writers

    def no_space(self, key, array, tokens=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers.Hdf5Writer, "write", no_space)
    result = run("embed", "--quiet", input_file, tmp_path / "out.hdf5")
    assert result.exit_code == 1
    assert "No space left on device while writing" in result.output and "out.hdf5" in result.output
    assert not (tmp_path / "out.hdf5").exists() and not list(tmp_path.glob("out.partial-*"))
    monkeypatch.undo()
    embed(input_file, tmp_path / "out.hdf5")  # the kept blocks finish the run once there is room


def test_the_summary_counts_agree_in_number(tmp_path):
    source = tmp_path / "one.txt"
    source.write_text("Hello\n", encoding="utf-8")
    result = run("embed", source, tmp_path / "out.hdf5")
    assert result.exit_code == 0 and "embedded 1 line (1 token)" in result.output


def test_two_processes_write_the_bytes_one_process_writes_and_resume_its_blocks(
        tmp_path, monkeypatch):
    source = tmp_path / "input.txt"
    source.write_text("\n".join(LINES * 5) + "\n", encoding="utf-8")
    monkeypatch.setenv("ELMO_NUM_THREADS", "1")
    embed(source, tmp_path / "single.hdf5", "--block-size", 4)
    torchrun_elmo("embed", "--quiet", "--model", TINY, source, tmp_path / "two.hdf5",
                  "--block-size", 4)
    assert (tmp_path / "two.hdf5").read_bytes() == (tmp_path / "single.hdf5").read_bytes()
    count_embed_calls(monkeypatch, interrupt_at=3)  # one process stops after two blocks...
    assert run("embed", "--quiet", source, tmp_path / "resumed.hdf5", "--block-size", 4).exit_code == 130
    monkeypatch.undo()
    torchrun_elmo("embed", "--quiet", "--model", TINY, source,  # ...two finish it
                  tmp_path / "resumed.hdf5", "--block-size", 4)
    assert (tmp_path / "resumed.hdf5").read_bytes() == (tmp_path / "single.hdf5").read_bytes()


def test_a_checksum_whose_block_is_gone_does_not_count_as_finished(input_file, tmp_path, monkeypatch):
    count_embed_calls(monkeypatch, interrupt_at=3)
    assert run("embed", "--quiet", input_file, tmp_path / "out.hdf5", "--block-size", 2).exit_code == 130
    monkeypatch.undo()
    (tmp_path / "out.hdf5.partial" / "block-0-2.npz").unlink()  # its .sha256 stays
    embed(input_file, tmp_path / "out.hdf5", "--block-size", 2)
    embed(input_file, tmp_path / "clean.hdf5", "--block-size", 2)
    expected = read_vectors(tmp_path / "clean.hdf5")
    for key, vectors in read_vectors(tmp_path / "out.hdf5").items():
        np.testing.assert_array_equal(vectors, expected[key])
