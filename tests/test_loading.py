import json
import shutil

import h5py
import numpy as np
import pytest
import torch
from conftest import TINY

import elmo
from elmo import ConfigError, ModelFileError


@pytest.fixture()
def model_copy(tmp_path, tiny_model_dir):
    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    return target


def _edit_options(folder, change):
    path = folder / "options.json"
    options = json.loads(path.read_text())
    change(options)
    path.write_text(json.dumps(options))


def test_bundled_models_load_by_name_and_the_default_is_a_trained_model():
    assert {TINY, "en-small", "zh-small", elmo.DEFAULT_MODEL} <= set(elmo.bundled_models())
    assert elmo.load(TINY).output_dim == 32
    assert elmo.load().output_dim == 256 and elmo.load().tokenizer == "moses"


def test_model_loads_from_folder_weight_file_or_explicit_files(model_copy):
    sentence = [["a", "test"]]
    by_folder = elmo.load(model_copy).embed(sentence)[0]
    by_weights = elmo.load(model_copy / "lm_weights.hdf5").embed(sentence)[0]
    explicit = elmo.load(options_file=model_copy / "options.json",
                         weight_file=model_copy / "lm_weights.hdf5").embed(sentence)[0]
    np.testing.assert_array_equal(by_folder, by_weights)
    np.testing.assert_array_equal(by_folder, explicit)


def test_unknown_model_name_lists_the_bundled_ones():
    with pytest.raises(ModelFileError, match="bilm-tf-tiny"):
        elmo.load("no-such-model")


def test_missing_weight_file_is_named(model_copy):
    with pytest.raises(ModelFileError, match="weight file not found"):
        elmo.load(options_file=model_copy / "options.json", weight_file=model_copy / "nope.hdf5")


def test_missing_options_file_is_named(model_copy):
    (model_copy / "options.json").unlink()
    with pytest.raises(ModelFileError, match="options file not found"):
        elmo.load(model_copy)


def test_corrupt_weight_file_is_reported_as_not_hdf5(model_copy):
    (model_copy / "lm_weights.hdf5").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ModelFileError, match="not a readable HDF5 file"):
        elmo.load(model_copy)


def test_truncated_weight_file_gives_a_clear_error(model_copy):
    path = model_copy / "lm_weights.hdf5"
    path.write_bytes(path.read_bytes()[:200_000])
    with pytest.raises(ModelFileError, match="lm_weights.hdf5"):
        elmo.load(model_copy)


def test_missing_dataset_is_named(model_copy):
    with h5py.File(model_copy / "lm_weights.hdf5", "a") as handle:
        del handle["CNN_proj/W_proj"]
    with pytest.raises(ModelFileError, match="'CNN_proj/W_proj' is missing"):
        elmo.load(model_copy)


@pytest.mark.parametrize("section, change, error, message", [
    ("lstm", {"projection_dim": 32}, ModelFileError, r"has shape \(124, 16\).*options describe \(124, 32\)"),
    ("lstm", {"projecton_dim": 16}, ConfigError, "unknown key 'projecton_dim'.*did you mean 'projection_dim'"),
    ("lstm", {"n_layers": 1}, ModelFileError, r"options do not use \(RNN_0/RNN/MultiRNNCell/Cell1"),
    ("char_cnn", {"n_highway": 0}, ModelFileError, "options do not use.*CNN_high_0"),
], ids=["shapes", "typo", "fewer-layers", "fewer-highways"])
def test_options_that_do_not_match_the_weights_are_refused_naming_what_differs(
        model_copy, section, change, error, message):
    _edit_options(model_copy, lambda o: o[section].update(change))
    with pytest.raises(error, match=message):
        elmo.load(model_copy)


def test_training_time_character_count_is_explained(model_copy):
    _edit_options(model_copy, lambda o: o["char_cnn"].update(n_characters=261))
    with pytest.raises(ConfigError, match="set it to 262"):
        elmo.load(model_copy)


def test_invalid_json_options_are_reported(model_copy):
    (model_copy / "options.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        elmo.load(model_copy)


def test_wrong_value_type_is_reported(model_copy):
    _edit_options(model_copy, lambda o: o["lstm"].update(dim="64"))
    with pytest.raises(ConfigError, match="'dim' must be int"):
        elmo.load(model_copy)


def test_export_writes_the_original_layout_and_reloads_to_identical_vectors(tmp_path, tiny_model_dir):
    original = elmo.load(TINY)
    original.save_pretrained(tmp_path / "exported")
    with h5py.File(tiny_model_dir / "lm_weights.hdf5") as before, \
            h5py.File(tmp_path / "exported" / "weights.hdf5") as after:
        names = []
        before.visititems(lambda name, item: names.append(name)
                          if isinstance(item, h5py.Dataset) else None)
        for name in names:
            assert after[name].shape == before[name].shape and after[name].dtype == np.float32
            np.testing.assert_array_equal(after[name][...], before[name][...])
    sentences = [["Exported", "models", "load", "again", "."]]
    np.testing.assert_array_equal(elmo.load(tmp_path / "exported").embed(sentences)[0],
                                  original.embed(sentences)[0])


@pytest.mark.parametrize("name", [TINY, "zh-small"])
def test_saved_models_load_back_to_identical_vectors(tmp_path, name):
    model = elmo.load(name)
    folder = model.save_pretrained(tmp_path / "saved")
    again = elmo.Embedder.from_pretrained(folder)
    assert again.tokenizer == model.tokenizer and again.model_folder.softmax_config == model.model_folder.softmax_config
    sentences = [["苹果", "公司", "发布", "了", "新", "手机", "。"], ["a", "b"]]
    for before, after in zip(model.embed(sentences), again.embed(sentences)):
        np.testing.assert_array_equal(before, after)
    if model.model_folder.softmax is not None:
        assert again.model_folder.vocabulary == model.model_folder.vocabulary
        for key, value in model.model_folder.softmax.state_dict().items():
            torch.testing.assert_close(again.model_folder.softmax.state_dict()[key], value, rtol=0, atol=0)


def test_a_damaged_file_in_a_model_folder_is_named_not_loaded(tmp_path):
    folder = tmp_path / "zh-small"
    shutil.copytree(elmo.interop.model_folder.BUNDLED_DIR / "zh-small", folder)
    weights = folder / "weights.hdf5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4000] = bytes(4000)  # zeros inside an LSTM weight
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"weights.hdf5 is damaged: its SHA-256 differs"):
        elmo.load(folder)


@pytest.mark.parametrize("name", [TINY, "en-small", "zh-small"])
def test_a_saved_model_folder_keeps_its_documents_and_its_precision(tmp_path, name):
    original = elmo.ModelFolder.load(name)
    elmo.load(name).save_pretrained(tmp_path / "saved")
    again = elmo.ModelFolder.load(tmp_path / "saved")
    assert again.documents == original.documents and again.documents  # NOTICE, model card, log
    assert (again.softmax_float16, again.weights_float16) == (original.softmax_float16, original.weights_float16)
    assert again.training == original.training and again.rounding == original.rounding
    for file in ("extra.pt", "weights.hdf5") if original.softmax is not None else ():
        source = elmo.interop.model_folder.BUNDLED_DIR / name / file
        assert (tmp_path / "saved" / file).stat().st_size == source.stat().st_size


def test_a_model_is_not_saved_over_a_folder_of_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ModelFileError, match="exists and is not a model folder"):
        elmo.load(TINY).save_pretrained(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
