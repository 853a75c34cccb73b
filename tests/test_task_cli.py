"""`elmo task train / evaluate`, `elmo tag` and `elmo classify` end to end on tiny data."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from training_configs import write_config

from elmo.cli.main import main
from elmo.errors import ConfigError, ModelFileError
from elmo.interop.model_folder import ModelFolder
from elmo.tasks.config import read_task_config
from elmo.tasks.predict import Predictor
from elmo.tasks.trainer import prepare
from elmo.train.config import read_train_config
from elmo.train.trainer import train

TAGGED = ["我们/r 喜欢/v 北京/ns 。/w", "他/r 喜欢/v 上海/ns 。/w", "我们/r 去/v 北京/ns", "他/r 去/v 上海/ns 。/w"]
LABELLED = ["pos\t很 好 的 书", "neg\t太 差 了", "pos\t好 书", "neg\t差 的 书"]


def _config(tmp_path, data_format: str, lines: list[str], extra: str = "") -> str:
    data = tmp_path / "data.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    encoder = "textcnn" if data_format == "labels" else "bilstm"
    config = tmp_path / f"{data_format}.toml"
    config.write_text(f"""
[data]
format = "{data_format}"
train = "data.txt"
dev = "data.txt"
test = "data.txt"
[elmo]
model = "bilm-tf-tiny"
at_output = true
[embeddings]
dim = 8
[model]
encoder = "{encoder}"
hidden = 8
[training]
output_dir = "{tmp_path / 'run'}"
epochs = 2
batch_size = 2
lr = 0.01
{extra}""", encoding="utf-8")
    return str(config)


@pytest.fixture()
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_CACHE", str(tmp_path / "cache"))  # feature cache stays in tmp_path
    return CliRunner()


def test_train_evaluate_and_tag_a_segmentation_model(tmp_path, runner):
    result = runner.invoke(main, ["task", "train", _config(tmp_path, "seg-pos", TAGGED), "-q"])
    assert result.exit_code == 0, result.output
    assert "pos_f1" in result.output and "seg_f1" in result.output
    model = tmp_path / "run" / "model"
    saved = json.loads((model / "task.json").read_text(encoding="utf-8"))
    assert saved["bilm"] == "bilm-tf-tiny" and saved["tokenizer"] == "chars"
    assert "B-ns" in saved["labels"]
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["epochs"] == 2 and len(results["layer_weights"]) == 2  # input and output mixes

    evaluated = runner.invoke(main, ["task", "evaluate", str(model), "--split", "test", "-q"])
    assert evaluated.exit_code == 0, evaluated.output
    assert f"pos_f1 {results['test']['pos_f1']:.2f}" in evaluated.output  # same model, same scores

    tagged = runner.invoke(main, ["tag", "--model", str(model)], input="我们喜欢上海。\n\n他去北京\n")
    assert tagged.exit_code == 0, tagged.output
    lines = tagged.output.split("\n")
    assert lines[1] == ""  # an empty line stays empty
    for line, text in ((lines[0], "我们喜欢上海。"), (lines[2], "他去北京")):
        items = [item.rpartition("/") for item in line.split()]
        assert "".join(word for word, _, _ in items) == text  # every character, in order
        assert all(tag in {"r", "v", "ns", "w"} for _, _, tag in items)


def test_training_resumes_from_its_checkpoint(tmp_path, runner):
    config = _config(tmp_path, "seg-pos", TAGGED)
    assert runner.invoke(main, ["task", "train", config, "-q", "--set", "training.epochs=1"]).exit_code == 0
    assert runner.invoke(main, ["task", "train", config, "-q"]).exit_code == 0  # 2 epochs: one more
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert [h["epoch"] for h in results["history"]] == [1, 2] and results["stopped"] == "epochs"
    changed = runner.invoke(main, ["task", "train", config, "-q", "--set", "training.lr=0.5"])
    assert changed.exit_code == 2 and "another config" in changed.output


def test_a_run_saved_before_a_setting_existed_resumes_with_its_default(tmp_path, runner):
    config = _config(tmp_path, "seg-pos", TAGGED)
    assert runner.invoke(main, ["task", "train", config, "-q", "--set", "training.epochs=1"]).exit_code == 0
    checkpoint_file = tmp_path / "run" / "checkpoint.pt"
    checkpoint = torch.load(checkpoint_file, weights_only=False)
    del checkpoint["config"]["features"]["bigram_trained_dim"]  # as written by an older version
    torch.save(checkpoint, checkpoint_file)
    resumed = runner.invoke(main, ["task", "train", config, "-q"])
    assert resumed.exit_code == 0, resumed.output


def test_a_task_model_runs_on_its_bilm_stored_again_in_float16_and_not_on_another(tmp_path, runner):
    train(read_train_config(write_config(tmp_path, training="max_steps = 2")), progress=False)
    bilm = tmp_path / "run" / "model"  # a native folder (the biLM has a softmax)
    config = Path(_config(tmp_path, "seg-pos", TAGGED))
    config.write_text(config.read_text(encoding="utf-8").replace('"bilm-tf-tiny"', f'"{bilm}"'), encoding="utf-8")
    task_model = tmp_path / "task" / "model"
    trained = runner.invoke(main, ["task", "train", str(config), "-q", "--set", f"training.output_dir={task_model.parent}"])
    assert trained.exit_code == 0, trained.output
    tagged = Predictor(task_model).words("我们喜欢上海。")
    assert runner.invoke(main, ["export", str(bilm), str(tmp_path / "half"), "--format", "native",
                                "--float16"]).exit_code == 0
    shutil.rmtree(bilm)
    (tmp_path / "half").rename(bilm)
    assert Predictor(task_model).words("我们喜欢上海。") == tagged  # a new Predictor: checked again
    folder = ModelFolder.load(bilm)
    with torch.no_grad():
        next(folder.bilm.parameters()).add_(0.5)  # other weights, saved as float16 once more
    folder.save(bilm)
    with pytest.raises(ModelFileError, match="not the one the task model was trained with"):
        Predictor(task_model)


def test_classify_raw_text(tmp_path, runner):
    result = runner.invoke(main, ["task", "train", _config(tmp_path, "labels", LABELLED), "-q"])
    assert result.exit_code == 0, result.output
    model = str(tmp_path / "run" / "model")
    classified = runner.invoke(main, ["classify", "--model", model], input="好 书\n太 差\n")
    assert classified.exit_code == 0, classified.output
    labels = [line.split("\t")[0] for line in classified.output.strip().split("\n")]
    assert len(labels) == 2 and set(labels) <= {"pos", "neg"}
    empty = runner.invoke(main, ["classify", "--model", model], input="好\n\n")
    assert empty.exit_code == 2 and "line 2 is empty" in empty.output
    wrong = runner.invoke(main, ["tag", "--model", model], input="好\n")
    assert wrong.exit_code == 2 and "elmo classify" in wrong.output


def test_a_classifier_reads_the_first_max_tokens_of_each_text_in_training_and_prediction(tmp_path, runner):
    long_texts = [f"{label}\t{text} " + " ".join(["噪"] * 50) for label, _, text in
                  (line.partition("\t") for line in LABELLED)]  # the label is in the first tokens only
    config = _config(tmp_path, "labels", long_texts)
    result = runner.invoke(main, ["task", "train", config, "-q", "--set", "data.max_tokens=4"])
    assert result.exit_code == 0, result.output
    prepared = prepare(read_task_config(config, {"data.max_tokens": 4}), progress=False)
    assert {len(e.tokens) for data in (prepared.train, prepared.dev, prepared.test) for e in data.examples} <= {2, 3, 4}
    predictor = Predictor(tmp_path / "run" / "model")
    seen = []
    predictor.predict = lambda sentences: seen.extend(sentences) or [["pos"]] * len(sentences)
    predictor.classify_lines(["好 书 " + " ".join(["噪"] * 50)])
    assert [list(tokens) for tokens in seen] == [["好", "书", "噪", "噪"]]
    with pytest.raises(ConfigError, match="max_tokens .* is for classification"):
        read_task_config(_config(tmp_path, "seg-pos", TAGGED), {"data.max_tokens": 4})


def test_bad_input_is_one_line_error(tmp_path, runner):
    missing = runner.invoke(main, ["tag", "--model", str(tmp_path / "nowhere")], input="x\n")
    assert missing.exit_code == 2 and missing.output.startswith("error:") and "not a trained" in missing.output
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    config = _config(tmp_path, "seg-pos", TAGGED)
    assert runner.invoke(main, ["task", "train", config, "-q"]).exit_code == 0
    bad = runner.invoke(main, ["tag", str(tmp_path / "latin1.txt"), "--model", str(tmp_path / "run" / "model")])
    assert bad.exit_code == 2 and "line 1 is not valid utf-8" in bad.output
    unknown = runner.invoke(main, ["task", "train", config, "--set", "training.epoch=3"])
    assert unknown.exit_code == 2 and "did you mean 'epochs'" in unknown.output


def test_config_errors_name_the_problem(tmp_path):
    config = _config(tmp_path, "seg-pos", TAGGED, extra="")
    with pytest.raises(ConfigError, match="mix must be one of"):
        read_task_config(config, {"elmo.mix": "middle"})
    with pytest.raises(ConfigError, match="encoder must be one of"):
        read_task_config(config, {"model.encoder": "textcnn"})
    with pytest.raises(ConfigError, match="needs word2vec_corpus"):
        read_task_config(config, {"embeddings.init": "word2vec"})


def test_an_empty_elmo_model_means_no_elmo(tmp_path):
    config = read_task_config(_config(tmp_path, "seg-pos", TAGGED), {"elmo.model": ""})
    assert config.elmo.model is None
