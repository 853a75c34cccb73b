"""Character bigrams and lexicon features of character tasks, from config to saved model."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from test_task_cli import TAGGED, _config

from elmo.cli.main import main
from elmo.errors import ConfigError, InputError
from elmo.tasks.config import read_task_config
from elmo.tasks.inputs import (
    InputEncoder,
    Lexicon,
    character_bigrams,
    fold_lexicons,
    sentence_bigrams,
)
from elmo.tasks.predict import Predictor
from elmo.tasks.trainer import prepare
from elmo.tasks.vocab import TokenVocab
from elmo.tasks.word2vec import line_units, word2vec_vectors

ROOT = Path(__file__).resolve().parent.parent


def test_each_character_gets_the_bigrams_ending_and_starting_there():
    assert character_bigrams(["中", "国", "人"]) == ["<s>中", "中国", "中国", "国人", "国人", "人</s>"]
    assert character_bigrams([]) == []


def test_bigram_counts_see_each_occurrence_once(tmp_path, monkeypatch):
    assert sentence_bigrams(["中", "国"]) == ["<s>中", "中国", "国</s>"]
    monkeypatch.setenv("ELMO_CACHE", str(tmp_path / "cache"))
    config = _config(tmp_path, "seg-pos", TAGGED, "[features]\nbigram_dim = 4\nbigram_min_count = 2\n")
    bigrams = prepare(read_task_config(config), progress=False).task.encoder.bigrams
    assert "我们" in bigrams.index and "北京" in bigrams.index  # twice each in the data
    assert "他喜" not in bigrams.index  # once: unknown


def test_word2vec_bigrams_join_the_vocabulary_with_their_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_CACHE", str(tmp_path / "cache"))
    raw = tmp_path / "raw.txt"  # segmented differently from the task: bigrams ignore the spaces
    raw.write_text("我们 喜欢 广州\n他 喜欢 广州 。\n" * 10, encoding="utf-8")
    config = _config(tmp_path, "seg-pos", TAGGED,
                     '[features]\nbigram_dim = 4\nbigram_init = "word2vec"\nbigram_min_count = 2\n'
                     'bigram_word2vec_min_count = 5\nbigram_freeze = true\n')
    embeddings = {"embeddings.word2vec_corpus": [str(raw)], "embeddings.word2vec_epochs": 1}
    task = prepare(read_task_config(config, embeddings), progress=False).task
    bigrams, table = task.encoder.bigrams, task.model.input.bigrams.weight
    assert "广州" in bigrams.index and "欢广" in bigrams.index  # new to the training split
    assert "我们" in bigrams.index and "他喜" in bigrams.index  # twice in training; in the raw text
    vectors = word2vec_vectors([str(raw)], 4, 1, min_count=5, unit="bigrams")
    assert set(vectors) == set(sentence_bigrams(list("我们喜欢广州"))) | set(sentence_bigrams(list("他喜欢广州。")))
    assert np.array_equal(table[bigrams.index["广州"]].detach().numpy(), vectors["广州"])
    assert not table.requires_grad  # frozen: bigram_freeze


def test_a_trained_bigram_table_beside_frozen_word2vec_ones_knows_only_training_bigrams(tmp_path, runner):
    raw = tmp_path / "raw.txt"
    raw.write_text("我们 喜欢 广州\n" * 10, encoding="utf-8")
    config = _config(tmp_path, "seg-pos", TAGGED,
                     '[features]\nbigram_dim = 4\nbigram_init = "word2vec"\nbigram_freeze = true\n'
                     'bigram_trained_dim = 3\n')
    settings = ["--set", f"embeddings.word2vec_corpus={json.dumps([str(raw)])}",
                "--set", "embeddings.word2vec_epochs=1", "--set", "elmo.model="]
    result = runner.invoke(main, ["task", "train", config, "-q", *settings])
    assert result.exit_code == 0, result.output
    predictor = Predictor(tmp_path / "run" / "model")
    bigrams, token_input = predictor.task.encoder.bigrams, predictor.task.model.input
    assert bigrams.index["我们"] < bigrams.counted <= bigrams.index["广州"]  # 广州: raw text only
    assert token_input.trained_bigrams.num_embeddings == bigrams.counted
    features, _ = token_input.eval()(predictor.task.encoder.encode([list("广州")]))
    unknown = token_input.trained_bigrams.weight[1]  # <s>广, 广州, 州</s>: none in training
    assert torch.equal(features[0, :, -6:], unknown.repeat(2, 2))  # (2 characters, 2 bigrams x 3)

    bundling = importlib.util.spec_from_file_location("bundle_tagger", ROOT / "scripts" / "bundle_tagger.py")
    bundle_tagger = importlib.util.module_from_spec(bundling)
    bundling.loader.exec_module(bundle_tagger)
    task = predictor.task  # keep the first 3 bigrams: fewer than the training split's
    assert bundle_tagger.select_bigrams(task, [0, 1, 2, 3, 4], mean_unknown=False) == len(bigrams) - 5
    task.save(tmp_path / "pruned", int8_tables=True)
    pruned = Predictor(tmp_path / "pruned").task
    assert pruned.encoder.bigrams.tokens == bigrams.tokens[:5] and pruned.encoder.bigrams.counted == 5
    assert pruned.model.input.trained_bigrams.num_embeddings == 5
    assert pruned.model.input.bigrams.num_embeddings == 5


def test_word2vec_reads_tokens_characters_or_bigrams():
    assert line_units("我们 喜欢\n", "tokens") == ["我们", "喜欢"]
    assert line_units("我们 喜欢\n", "chars") == ["我", "们", "喜", "欢"]
    assert line_units("我们 喜欢\n", "bigrams") == ["<s>我", "我们", "们喜", "喜欢", "欢</s>"]
    assert line_units("  \n", "bigrams") == []


def test_lexicon_marks_where_known_words_of_each_length_start_and_end():
    lexicon = Lexicon(["中国", "中国人", "人民", "x"], max_length=3)
    found = lexicon.features(list("中国人民"))  # columns: starts len 2, 3; ends len 2, 3
    assert lexicon.width == 4 and "x" not in lexicon.words
    np.testing.assert_array_equal(found, [[1, 1, 0, 0],   # 中国, 中国人 start at 中
                                          [0, 0, 1, 0],   # 中国 ends at 国
                                          [1, 0, 0, 1],   # 人民 starts, 中国人 ends at 人
                                          [0, 0, 1, 0]])  # 人民 ends at 民


def test_each_training_sentence_reads_the_words_of_the_other_folds():
    words = [["中国", "人民"], ["中国"], ["北京"], ["中国", "上海"]]  # folds 0, 1, 0, 1
    lexicons = fold_lexicons(words, folds=2, max_length=4)
    assert lexicons[0].words == {"中国", "上海"}  # 人民 and 北京 are only in fold 0
    assert lexicons[1].words == {"中国", "人民", "北京"} and lexicons[3] is lexicons[1]
    features = InputEncoder(TokenVocab(list("中国人民")), None, Lexicon(["中国", "人民"], 4)).encode(
        [list("中国人民")] * 2, lexicons=lexicons[:2])
    assert features.lexicon[0, 2].sum() == 0 and features.lexicon[1, 2].sum() == 1  # 人民 starts at 人


def test_extra_words_are_in_every_folds_lexicon():
    lexicons = fold_lexicons([["中国"], ["北京"]], folds=2, max_length=4, extra=["上海", "人民"])
    assert lexicons[0].words == {"北京", "上海", "人民"} and lexicons[1].words == {"中国", "上海", "人民"}


def test_the_encoder_pads_every_input_to_the_longest_sentence():
    vocab, bigrams = TokenVocab(list("中国人")), TokenVocab(["<s>中", "中国"])
    encoder = InputEncoder(vocab, bigrams, Lexicon(["中国"], 2))
    inputs = encoder.encode([list("中国人"), list("中")])
    assert inputs.token_ids.tolist() == [[2, 3, 4], [2, 0, 0]]
    assert inputs.mask.tolist() == [[True, True, True], [True, False, False]]
    assert inputs.bigram_ids[0].tolist() == [[2, 3], [3, 1], [1, 1]]  # unknown bigrams are 1
    assert inputs.lexicon[0].tolist() == [[1, 0], [0, 1], [0, 0]] and inputs.layers is None


@pytest.fixture()
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_CACHE", str(tmp_path / "cache"))
    return CliRunner()


def test_a_tagger_with_bigrams_and_lexicon_trains_saves_and_tags_the_same(tmp_path, runner):
    config = _config(tmp_path, "seg-pos", TAGGED,
                     '[features]\nbigram_dim = 4\nlexicon = "train"\nmax_word_length = 3\n'
                     'lexicon_folds = 2\n')
    result = runner.invoke(main, ["task", "train", config, "-q"])
    assert result.exit_code == 0, result.output
    model = tmp_path / "run" / "model"
    saved = json.loads((model / "task.json").read_text(encoding="utf-8"))
    assert "北京" in saved["bigrams"] and "北京" in (model / "lexicon.txt").read_text("utf-8")
    predictor = Predictor(model)
    assert predictor.task.encoder.lexicon.words == {"我们", "喜欢", "北京", "上海"}
    tagged = runner.invoke(main, ["tag", "--model", str(model)], input="我们喜欢北京。\n")
    assert tagged.exit_code == 0 and tagged.output.strip() == next(predictor.tag_lines(["我们喜欢北京。"]))


def test_a_dictionary_from_the_cache_joins_the_training_lexicon(tmp_path, runner):
    (tmp_path / "cache" / "zh-dictionary").mkdir(parents=True)
    (tmp_path / "cache" / "zh-dictionary" / "words.txt").write_text("人民\n我们\n", encoding="utf-8")
    config = _config(tmp_path, "seg-pos", TAGGED,
                     '[features]\nlexicon = "train"\nlexicon_folds = 2\n'
                     'lexicon_extra = "{cache}/zh-dictionary/words.txt"\n')
    result = runner.invoke(main, ["task", "train", config, "-q"])
    assert result.exit_code == 0, result.output
    words = Predictor(tmp_path / "run" / "model").task.encoder.lexicon.words
    assert words == {"我们", "喜欢", "北京", "上海", "人民"}


def test_a_missing_dictionary_says_how_to_fetch_it(tmp_path, runner):
    config = _config(tmp_path, "seg-pos", TAGGED,
                     '[features]\nlexicon = "train"\nlexicon_extra = "{cache}/zh-dictionary/words.txt"\n')
    result = runner.invoke(main, ["task", "train", config, "-q"])
    assert result.exit_code == 2 and result.output.startswith("error: [features] lexicon_extra")
    assert "elmo data fetch" in result.output


def test_a_user_dictionary_joins_the_lexicon_when_tagging(tmp_path, runner):
    config = _config(tmp_path, "seg-pos", TAGGED, '[features]\nlexicon = "train"\n')
    assert runner.invoke(main, ["task", "train", config, "-q"]).exit_code == 0
    model = tmp_path / "run" / "model"
    (tmp_path / "words.txt").write_text("人民日报\n", encoding="utf-8")
    predictor = Predictor(model, dictionary=tmp_path / "words.txt")
    assert predictor.task.encoder.lexicon.words == {"我们", "喜欢", "北京", "上海", "人民日报"}
    tagged = runner.invoke(main, ["tag", "--model", str(model), "--dictionary", tmp_path / "words.txt"],
                           input="我们喜欢北京。\n")
    assert tagged.exit_code == 0 and tagged.output.strip() == next(predictor.tag_lines(["我们喜欢北京。"]))
    missing = runner.invoke(main, ["tag", "--model", str(model), "--dictionary", tmp_path / "no.txt"],
                            input="我们\n")
    assert missing.exit_code == 2 and missing.output.startswith("error: dictionary ")


def test_a_dictionary_for_a_model_without_lexicon_is_refused(tmp_path, runner):
    config = _config(tmp_path, "seg-pos", TAGGED, "")
    assert runner.invoke(main, ["task", "train", config, "-q"]).exit_code == 0
    (tmp_path / "words.txt").write_text("人民日报\n", encoding="utf-8")
    with pytest.raises(InputError, match="reads no lexicon"):
        Predictor(tmp_path / "run" / "model", dictionary=tmp_path / "words.txt")


def test_tables_stored_as_int8_read_back_within_their_rows_step(tmp_path, runner):
    import torch

    from elmo.tasks.saved import load_task_model

    config = _config(tmp_path, "seg-pos", TAGGED, '[features]\nbigram_dim = 4\n')
    assert runner.invoke(main, ["task", "train", config, "-q"]).exit_code == 0
    task = load_task_model(tmp_path / "run" / "model")
    task.save(tmp_path / "small", dtype=torch.float16, int8_tables=True)
    stored = torch.load(tmp_path / "small" / "weights.pt", weights_only=True)
    again = load_task_model(tmp_path / "small").model.state_dict()
    tables = {name for name in stored if name + ".int8_scale" in stored}
    assert any(name.endswith("bigrams.weight") for name in tables)
    for name, value in task.model.state_dict().items():
        if name in tables:  # every embedding table
            assert stored[name].dtype == torch.int8
            step = value.abs().amax(dim=1, keepdim=True) / 127
            assert ((again[name] - value).abs() <= step / 2 + 1e-6).all()
        elif value.is_floating_point():
            assert stored[name].dtype == torch.float16
            torch.testing.assert_close(again[name], value.half().float())


def test_lexicon_folds_need_the_training_lexicon(tmp_path):
    config = _config(tmp_path, "seg-pos", TAGGED, '[features]\nlexicon_folds = 5\n')
    with pytest.raises(ConfigError, match="lexicon_folds is for lexicon = 'train'"):
        read_task_config(config)


def test_bigrams_and_lexicon_are_refused_for_word_formats(tmp_path):
    config = _config(tmp_path, "word-tags", TAGGED, "[features]\nbigram_dim = 4\n")
    with pytest.raises(ConfigError, match="for character formats"):
        read_task_config(config)
