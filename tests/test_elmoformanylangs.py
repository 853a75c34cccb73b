"""ELMoForManyLangs folders: read exactly (against its own outputs), converted both ways, bad input.

The fixtures (tests/fixtures/elmoformanylangs/, see its README) are tiny random-weight models in its
three configurations with the vectors its own ``Embedder.sents2elmo`` computed, made by
scripts/elmoformanylangs_fixtures.py in a separate environment.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import elmo
from elmo import ModelFileError
from elmo.interop.elmoformanylangs import read_elmoformanylangs, write_elmoformanylangs

FIXTURES = Path(__file__).parent / "fixtures" / "elmoformanylangs"
CONFIGURATIONS = ("char_word", "char", "word")
SENTENCES = json.loads((FIXTURES / "sentences.json").read_text(encoding="utf-8"))
READABLE = list(range(len(SENTENCES)))


def _expected(configuration: str, prefix: str = "sent") -> dict[int, np.ndarray]:
    with np.load(FIXTURES / configuration / "outputs.npz") as outputs:
        return {i: outputs[f"{prefix}_{i}"] for i in range(len(SENTENCES)) if f"{prefix}_{i}" in outputs}


def _assert_close(vectors, expected, indices):
    for index, array in zip(indices, vectors):
        np.testing.assert_allclose(array, expected[index], atol=1e-5, rtol=0)


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_its_folders_load_and_give_its_vectors(configuration):
    model = elmo.load(FIXTURES / configuration)
    assert model.characters is not None or configuration == "word"
    _assert_close(model.embed([SENTENCES[i] for i in READABLE]), _expected(configuration), READABLE)


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_stateless_vectors_do_not_depend_on_the_batch(configuration):
    model = elmo.load(FIXTURES / configuration, batch_size=2)
    _assert_close(model.embed([SENTENCES[i] for i in READABLE[::-1]]), _expected(configuration),
                  READABLE[::-1])


def test_the_stateful_mode_carries_states_across_batches_as_it_does():
    meta = json.loads((FIXTURES / "char_word" / "meta.json").read_text())["stateful"]
    model = elmo.load(FIXTURES / "char_word", stateful=True)
    expected = _expected("char_word", "stateful")
    for batch in meta["batches_in_processing_order"]:
        _assert_close(model.embed([SENTENCES[i] for i in batch]), expected, batch)


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_a_converted_folder_loads_to_the_same_vectors(tmp_path, configuration):
    elmo.load(FIXTURES / configuration).save_pretrained(tmp_path / "native")
    assert (tmp_path / "native" / "options.json").is_file()
    _assert_close(elmo.load(tmp_path / "native").embed([SENTENCES[i] for i in READABLE]),
                  _expected(configuration), READABLE)


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_written_back_as_its_folder_gives_the_same_vectors(tmp_path, configuration):
    model = elmo.ModelFolder.load(FIXTURES / configuration)
    write_elmoformanylangs(model, tmp_path / "again")
    again = read_elmoformanylangs(tmp_path / "again")
    vectors = elmo.Embedder(again).embed([SENTENCES[i] for i in READABLE])
    _assert_close(vectors, _expected(configuration), READABLE)


def test_a_byte_character_model_cannot_be_written_as_its_folder(tmp_path):
    with pytest.raises(ModelFileError, match="reads UTF-8 bytes"):
        write_elmoformanylangs(elmo.ModelFolder.load("bilm-tf-tiny"), tmp_path / "out")


@pytest.fixture()
def copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(FIXTURES / "char_word", target)
    return target


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "encoder.pkl").write_bytes(b"not a pickle"), r"encoder.pkl cannot be read"),
    (lambda f: (f / "word.dic").unlink(), r"word.dic is missing"),
    (lambda f: (f / "cnn_4_6_8_16_tiny.json").unlink(), r"names the model config .* found neither"),
    (lambda f: (f / "char.dic").write_text("a\t0\nb\t1\n", encoding="utf-8"),
     r"char.dic lacks the special symbols <bos>, <eos>"),
    (lambda f: (f / "cnn_4_6_8_16_tiny.json").write_text(
        (f / "cnn_4_6_8_16_tiny.json").read_text().replace('"dim": 16', '"dim": 32')),
     r"the weights do not match"),
], ids=["corrupt-weights", "missing-dictionary", "missing-config", "no-specials", "shapes"])
def test_bad_folders_are_one_line_errors_naming_the_file(copy, damage, message):
    damage(copy)
    with pytest.raises(ModelFileError, match=message):
        elmo.load(copy)


@pytest.mark.skipif(not os.environ.get("ELMOFORMANYLANGS_PYTHON"),
                    reason="set ELMOFORMANYLANGS_PYTHON to a Python with elmoformanylangs installed "
                           "(see scripts/elmoformanylangs_fixtures.py) to run its own Embedder")
@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_its_own_embedder_reads_what_this_package_writes(tmp_path, configuration):
    model = elmo.load(FIXTURES / configuration)
    write_elmoformanylangs(model.model_folder, tmp_path / "written")
    np.savez(tmp_path / "ours.npz", **{f"sent_{i}": v for i, v in enumerate(model.embed(SENTENCES))})
    script = Path(__file__).parent.parent / "scripts" / "elmoformanylangs_check.py"
    result = subprocess.run([os.environ["ELMOFORMANYLANGS_PYTHON"], str(script), str(tmp_path / "written"),
                             str(FIXTURES / "sentences.json"), str(tmp_path / "ours.npz")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_export_command_writes_each_layout(tmp_path):
    from click.testing import CliRunner

    from elmo.cli.main import main
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(FIXTURES / "char_word"), str(tmp_path / "native"),
                                  "--format", "native"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["export", str(tmp_path / "native"), str(tmp_path / "efml"),
                                  "--format", "elmoformanylangs"])
    assert result.exit_code == 0, result.output
    _assert_close(elmo.load(tmp_path / "efml").embed(SENTENCES), _expected("char_word"), READABLE)
    result = runner.invoke(main, ["export", str(tmp_path / "native"), str(tmp_path / "bilm-tf")])
    assert result.exit_code == 2 and "byte-character models only" in result.output


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_the_elmo_layer_reads_its_folders_with_their_own_inputs(configuration):
    layer = elmo.Elmo(FIXTURES / configuration, dropout=0.0, mix="top")
    out = layer(**layer.model_inputs([SENTENCES[i] for i in READABLE]))
    for row, index in enumerate(READABLE):
        expected = _expected(configuration)[index]
        np.testing.assert_allclose(out["layers"][:, row, : expected.shape[1]].detach().numpy(),
                                   expected, atol=1e-5, rtol=0)
