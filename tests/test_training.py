import collections
import csv
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import TINY
from training_configs import TRAIN_DATA, write_config

import elmo
from elmo.cli.main import main
from elmo.data.shards import expand_shards
from elmo.data.vocab import Vocabulary
from elmo.evaluate.perplexity import perplexity
from elmo.interop.model_folder import BUNDLED_DIR, ModelFolder
from elmo.modules.bilm_with_softmax import BiLMWithSoftmax
from elmo.train.config import read_train_config
from elmo.train.trainer import train


def _parameters(folder):
    model = ModelFolder.load(folder)
    state = {**model.bilm.state_dict(), **model.softmax.state_dict()}
    return {name: tensor.clone() for name, tensor in state.items()}


def _cli(*arguments):
    return CliRunner().invoke(main, [str(a) for a in arguments])


def test_tiny_model_reaches_perplexity_below_20_on_its_training_text(tmp_path):
    config = write_config(tmp_path, training="epochs = 50\ndropout = 0.1\ncheckpoint_every = 1000")
    result = _cli("train", config, "--quiet")
    assert result.exit_code == 0, result.output
    measured = _cli("perplexity", tmp_path / "run" / "model", TRAIN_DATA, "--batch-size", 1, "-q")
    assert measured.exit_code == 0, measured.output
    average = float(measured.output.split("average")[1].split()[0])
    assert average < 20.0
    rows = list(csv.DictReader(open(tmp_path / "run" / "log.csv")))
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_resumed_run_reaches_the_same_parameters_as_an_uninterrupted_one(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    whole = write_config(tmp_path / "a", training="max_steps = 6\ndropout = 0.2")
    train(read_train_config(whole), progress=False)
    interrupted = write_config(tmp_path / "b", training="max_steps = 6\ndropout = 0.2")
    train(read_train_config(interrupted, {"training.max_steps": 3}), progress=False)
    assert (tmp_path / "b" / "run" / "checkpoints" / "latest").read_text() == "step-3"
    with open(tmp_path / "b" / "run" / "log.csv", "a") as log:  # logged after the checkpoint, then lost
        log.write("4,1,1,1,1,1,1,1,,,\n")
    train(read_train_config(interrupted), progress=False)  # picks up at step 3
    steps = [row["step"] for row in csv.DictReader(open(tmp_path / "b" / "run" / "log.csv"))
             if row["loss"]]
    assert steps == sorted(set(steps), key=int)  # each step logged once, in order
    expected, resumed = _parameters(tmp_path / "a" / "run" / "model"), _parameters(tmp_path / "b" / "run" / "model")
    for name in expected:
        assert torch.equal(expected[name], resumed[name]), name


def test_checkpoint_from_another_config_is_refused(tmp_path):
    config = write_config(tmp_path, training="max_steps = 2")
    train(read_train_config(config), progress=False)
    changed = write_config(tmp_path, softmax='type = "full"', training="max_steps = 4", name="other.toml")
    result = _cli("train", changed, "-q")
    assert result.exit_code == 2
    assert "made with another config" in result.output and "softmax.type" in result.output


def test_two_torchrun_processes_stay_identical_and_equal_one_process_with_the_combined_batch(tmp_path):
    shards = []
    lines = TRAIN_DATA.read_text().splitlines()
    for index in range(2):
        shard = tmp_path / f"shard-{index}.txt"
        shard.write_text("\n".join(lines[index * 2: index * 2 + 2]) + "\n")
        shards.append(str(shard))
    (tmp_path / "ddp").mkdir(), (tmp_path / "single").mkdir()
    settings = dict(train=shards, training="max_steps = 3\ndropout = 0.0")
    ddp = write_config(tmp_path / "ddp", data="", **settings)
    single = write_config(tmp_path / "single", data="row_groups = 2", **settings)
    single_text = single.read_text().replace("batch_size = 4", "batch_size = 8")
    single.write_text(single_text)
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "elmo.cli.main", "train", str(ddp), "-q"],
        capture_output=True, text=True, env=environment, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    train(read_train_config(single), progress=False)
    distributed = _parameters(tmp_path / "ddp" / "run" / "model")
    combined = _parameters(tmp_path / "single" / "run" / "model")
    ranks = [torch.load(tmp_path / "ddp" / "run" / "checkpoints" / "step-3" / f"rank-{r}.pt",
                        weights_only=False) for r in range(2)]
    assert ranks[0]["batcher"] != ranks[1]["batcher"]  # each process read its own shard
    assert ranks[0]["parameters_sha256"] == ranks[1]["parameters_sha256"]  # bit-identical replicas
    for name in distributed:
        torch.testing.assert_close(distributed[name], combined[name], rtol=1e-5, atol=1e-6)


def test_trained_model_exports_to_the_original_format_and_reloads_to_identical_vectors(tmp_path):
    config = write_config(tmp_path, training="max_steps = 3")
    train(read_train_config(config), progress=False)
    native = tmp_path / "run" / "model"
    assert _cli("export", native, tmp_path / "exported").exit_code == 0
    sentences = [["neural", "language", "models", "."], ["a", "completely", "unseen", "word"]]
    from_native = elmo.load(native).embed(sentences)
    from_export = elmo.load(tmp_path / "exported").embed(sentences)
    for a, b in zip(from_native, from_export):
        np.testing.assert_array_equal(a, b)
    embedded = _cli("embed", TRAIN_DATA, tmp_path / "out.hdf5", "--model", native, "-q")
    assert embedded.exit_code == 0, embedded.output


def _dataset_dtypes(weight_file) -> set:
    dtypes = set()
    with h5py.File(weight_file) as handle:
        handle.visititems(lambda name, item: dtypes.add(item.dtype) if isinstance(item, h5py.Dataset) else None)
    return dtypes


def test_a_float16_export_stores_float16_and_keeps_its_precision_when_saved_again(tmp_path):
    config = write_config(tmp_path, training="max_steps = 2")
    train(read_train_config(config), progress=False)
    native = tmp_path / "run" / "model"
    assert _cli("export", native, tmp_path / "half", "--format", "native", "--float16").exit_code == 0
    assert _dataset_dtypes(native / "weights.hdf5") == {np.dtype("float32")}
    assert _dataset_dtypes(tmp_path / "half" / "weights.hdf5") == {np.dtype("float16")}
    half = ModelFolder.load(tmp_path / "half")
    assert half.weights_float16 and half.softmax_float16
    original = ModelFolder.load(native)
    for (name, value), rounded in zip(original.bilm.state_dict().items(), half.bilm.state_dict().values(),
                                      strict=True):
        assert rounded.dtype == torch.float32, name
        torch.testing.assert_close(rounded, value.half().float(), rtol=0, atol=0)
    half.save(tmp_path / "again")
    assert _dataset_dtypes(tmp_path / "again" / "weights.hdf5") == {np.dtype("float16")}
    assert ModelFolder.load(tmp_path / "again").rounding == half.rounding
    assert _cli("export", tmp_path / "half", tmp_path / "original-layout").exit_code == 0  # stays float16
    assert _dataset_dtypes(tmp_path / "original-layout" / "weights.hdf5") == {np.dtype("float16")}


def test_float16_is_refused_for_the_elmoformanylangs_layout(tmp_path):
    refused = _cli("export", "zh-char-small", tmp_path / "efml", "--format", "elmoformanylangs", "--float16")
    assert refused.exit_code != 0 and "float32 only" in refused.output


def test_a_recipe_can_ask_for_float16_weights(tmp_path):
    config = write_config(tmp_path, training="max_steps = 2\nweights_float16 = true")
    train(read_train_config(config), progress=False)
    assert _dataset_dtypes(tmp_path / "run" / "model" / "weights.hdf5") == {np.dtype("float16")}
    assert ModelFolder.load(tmp_path / "run" / "model").weights_float16


def test_training_continues_from_a_trained_folder_and_from_original_weights(tmp_path):
    first = write_config(tmp_path, training="max_steps = 2")
    train(read_train_config(first), progress=False)
    (tmp_path / "more").mkdir()
    more = write_config(tmp_path / "more", model="",
                        training=f'max_steps = 2\ninit_from = "{tmp_path / "run" / "model"}"')
    train(read_train_config(more), progress=False)
    before, after = _parameters(tmp_path / "run" / "model"), _parameters(tmp_path / "more" / "run" / "model")
    assert before.keys() == after.keys()
    assert any(not torch.equal(before[name], after[name]) for name in before)
    (tmp_path / "hdf5").mkdir()
    from_original = write_config(tmp_path / "hdf5", model="",
                                 training=f'max_steps = 2\ninit_from = "{TINY}"')
    train(read_train_config(from_original), progress=False)
    continued = elmo.load(tmp_path / "hdf5" / "run" / "model")
    assert continued.output_dim == elmo.load(TINY).output_dim


def test_continuing_with_another_vocabulary_is_refused(tmp_path):
    first = write_config(tmp_path, training="max_steps = 1")
    train(read_train_config(first), progress=False)
    other_vocab = tmp_path / "other.txt"
    other_vocab.write_text("<S>\n</S>\n<UNK>\nwords\n")
    (tmp_path / "more").mkdir()
    more = write_config(tmp_path / "more", model="", vocab=other_vocab,
                        training=f'max_steps = 1\ninit_from = "{tmp_path / "run" / "model"}"')
    result = _cli("train", more, "-q")
    assert result.exit_code == 2 and "vocab differs" in result.output


@pytest.mark.parametrize("encoder", ["word", "both"])
def test_word_and_fused_token_encoders_train_and_embed(tmp_path, encoder):
    model = f'[model]\ntoken_encoder = "{encoder}"\nword_dim = 6\n' + "\n".join(line for line in __import__("training_configs").MODEL.splitlines()
                      if encoder == "both" or not line.startswith(("[model.char", "activation",
                                                                   "embedding", "filters", "n_highway")))
    config = write_config(tmp_path, model=model, softmax='type = "full"',
                          training="max_steps = 3")
    train(read_train_config(config), progress=False)
    loaded = elmo.load(tmp_path / "run" / "model")
    vectors = loaded.embed([["neural", "networks", "unseen-word"]])[0]
    assert vectors.shape == (3, 3, 16) and np.isfinite(vectors).all()
    if encoder == "word":  # an unknown word gets the <UNK> vector at layer 0
        other = loaded.embed([["another-unknown"]])[0]
        np.testing.assert_allclose(other[0, 0], vectors[0, 2], atol=1e-6)
    with pytest.raises(elmo.ModelFileError, match="byte-character models only"):
        ModelFolder(loaded.bilm).save(tmp_path / "exported")


@pytest.mark.parametrize("softmax", ['type = "full"', 'type = "adaptive"\ncutoffs = [10]'])
def test_full_and_adaptive_softmax_train_and_score(tmp_path, softmax):
    config = write_config(tmp_path, softmax=softmax, training="max_steps = 4")
    train(read_train_config(config), progress=False)
    folder = ModelFolder.load(tmp_path / "run" / "model")
    model, tokens = BiLMWithSoftmax(folder.bilm, folder.softmax), folder.vocabulary
    result = perplexity(model, Vocabulary(tokens), expand_shards(str(TRAIN_DATA)), 2, 5, progress=False)
    sentences = TRAIN_DATA.read_text().splitlines()
    assert result.tokens == sum(len(s.split()) + 1 for s in sentences)
    assert 1.0 < result.forward < 2 * len(tokens)


def test_sentence_batching_trains(tmp_path):
    config = write_config(tmp_path, data='batching = "sentences"', training="max_steps = 3")
    train(read_train_config(config), progress=False)
    assert (tmp_path / "run" / "model" / "weights.hdf5").is_file()


def test_perplexity_is_refused_for_a_model_without_softmax():
    result = _cli("perplexity", BUNDLED_DIR / TINY, TRAIN_DATA)
    assert result.exit_code == 2 and "has no softmax" in result.output


@pytest.mark.parametrize("change, message", [
    (dict(data="unrol_steps = 3"), "unknown key 'unrol_steps'; did you mean 'unroll_steps'"),
    (dict(softmax='type = "hierarchical"'), "type must be one of"),
    (dict(training="max_steps = 2\nepochs = 3"), "exactly one of max_steps and epochs"),
    (dict(data="batch_size = 4"), "Cannot overwrite"),
])
def test_config_mistakes_are_reported_clearly(tmp_path, change, message):
    result = _cli("train", write_config(tmp_path, **change), "-q")
    assert result.exit_code == 2 and message in result.output, result.output


def test_empty_corpus_is_reported(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    result = _cli("train", write_config(tmp_path, train=str(empty)), "-q")
    assert result.exit_code == 2 and "no sentences" in result.output, result.output
    assert not (tmp_path / "run").exists()  # no log, no folder left behind


def test_vocabulary_without_specials_is_reported(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("the\nof\n")
    result = _cli("train", write_config(tmp_path, vocab=vocab), "-q")
    assert result.exit_code == 2 and "<S>" in result.output, result.output


def test_corrupt_shard_line_is_reported_with_file_and_line(tmp_path):
    shard = tmp_path / "bad.txt"
    shard.write_bytes(b"a good line\nbad \xff\xfe bytes\n")
    result = _cli("train", write_config(tmp_path, train=str(shard)), "-q")
    assert result.exit_code == 2 and "bad.txt" in result.output and "line 2" in result.output


def test_bf16_autocast_trains_and_lowers_the_loss(tmp_path):
    config = write_config(tmp_path, softmax='type = "full"', training="max_steps = 12\nbf16 = true\ndropout = 0.0")
    train(read_train_config(config), progress=False)
    rows = list(csv.DictReader(open(tmp_path / "run" / "log.csv")))
    losses = [float(row["loss"]) for row in rows if row["loss"]]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_trained_model_records_its_tokenizer_and_embed_applies_it_to_raw_text(tmp_path):
    config = write_config(tmp_path, data='tokenizer = "chars"', training="max_steps = 1")
    train(read_train_config(config), progress=False)
    model_dir = tmp_path / "run" / "model"
    model = elmo.load(model_dir)
    assert model.tokenizer == "chars"
    tokens, vectors = model.embed_text(["苹果手机"])
    assert tokens == [["苹", "果", "手", "机"]] and vectors[0].shape[1] == 4
    (tmp_path / "raw.txt").write_text("苹果手机\n")
    result = _cli("embed", tmp_path / "raw.txt", tmp_path / "out.hdf5", "--model", model_dir, "-q")
    assert result.exit_code == 0, result.output
    import h5py
    with h5py.File(tmp_path / "out.hdf5") as handle:
        assert handle["0"].shape == (3, 4, 16)


def test_time_limit_stops_with_a_checkpoint_and_a_rerun_adds_no_step(tmp_path):
    config = write_config(tmp_path, training="max_steps = 100000\nmax_minutes = 0.02\ncheckpoint_every = 100000")
    train(read_train_config(config), progress=False)
    latest = (tmp_path / "run" / "checkpoints" / "latest").read_text()
    steps = int(latest.split("-")[1])
    assert 0 < steps < 100000
    assert (tmp_path / "run" / "model" / "config.json").is_file()
    train(read_train_config(config), progress=False)
    assert (tmp_path / "run" / "checkpoints" / "latest").read_text() == latest


def test_training_reads_tokens_with_the_models_own_characters_per_token(tmp_path):
    model = __import__("training_configs").MODEL.replace(
        'activation = "relu"', 'activation = "relu"\nmax_characters_per_token = 12')
    config = read_train_config(write_config(tmp_path, model=model, training="max_steps = 2"))
    vocab = Vocabulary.load(config.data.vocab)
    from elmo.distributed import Context
    from elmo.train.trainer import language_model_for, make_batcher
    lm = language_model_for(config, vocab)
    batch = next(make_batcher(config, vocab, Context(0, 1, torch.device("cpu")),
                              lm.bilm.config.max_characters))
    assert batch.char_ids.shape[-1] == 12
    train(config, progress=False)
    loaded = elmo.load(tmp_path / "run" / "model")
    assert loaded.config.max_characters == 12
    np.testing.assert_allclose(loaded.embed([["a" * 30]])[0], loaded.embed([["a" * 10]])[0], atol=1e-6)


def test_training_is_reproducible_with_several_threads(tmp_path):
    """Sizes large enough for PyTorch to split the gradient sums over threads."""
    import random
    rng = random.Random(0)
    words = [f"w{i}" for i in range(300)]
    corpus = tmp_path / "train.txt"
    corpus.write_text("".join(" ".join(rng.choices(words, k=rng.randint(5, 25))) + "\n"
                              for _ in range(400)))
    (tmp_path / "vocab.txt").write_text("<S>\n</S>\n<UNK>\n" + "".join(w + "\n" for w in words))
    config = tmp_path / "config.toml"
    config.write_text(f"""
[model.char_cnn]
embedding = {{dim = 8}}
filters = [[1, 16], [2, 16], [3, 32]]
n_highway = 1
[model.lstm]
dim = 128
projection_dim = 64
n_layers = 2
use_skip_connections = true
[data]
train = ["{corpus}"]
vocab = "{tmp_path / 'vocab.txt'}"
batch_size = 16
unroll_steps = 20
[softmax]
n_samples = 64
[training]
output_dir = "run"
max_steps = 3
""")
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        runs = []
        for name in ("first", "second"):
            trained = train(read_train_config(config, {"training.output_dir": str(tmp_path / name)}),
                            progress=False)
            runs.append(_parameters(trained))
    finally:
        torch.set_num_threads(threads)
    for name in runs[0]:
        assert torch.equal(runs[0][name], runs[1][name]), name


@pytest.mark.parametrize("encoder", ["char", "both"])
def test_a_code_point_model_trains_embeds_unseen_words_and_scores(tmp_path, encoder):
    model = __import__("training_configs").MODEL.replace(
        'activation = "relu"', 'activation = "relu"\ncharacters = "codepoints"')
    if encoder == "both":
        model = '[model]\ntoken_encoder = "both"\nword_dim = 6\n' + model
    config = write_config(tmp_path, model=model, data="char_min_count = 2",
                          softmax='type = "full"', training="max_steps = 3")
    train(read_train_config(config), progress=False)
    folder = ModelFolder.load(tmp_path / "run" / "model")
    counts = collections.Counter(char for line in TRAIN_DATA.read_text().split() for char in line)
    assert folder.characters == sorted((c for c, n in counts.items() if n >= 2),
                                       key=lambda c: (-counts[c], c))
    assert folder.bilm.config.char_cnn.n_characters == 7 + len(folder.characters)
    vectors = elmo.load(tmp_path / "run" / "model").embed([["neural", "未见过的词", "zzz"]])[0]
    assert vectors.shape == (3, 3, 16) and np.isfinite(vectors).all()
    scored = _cli("perplexity", tmp_path / "run" / "model", TRAIN_DATA)
    assert scored.exit_code == 0 and "forward" in scored.output, scored.output
