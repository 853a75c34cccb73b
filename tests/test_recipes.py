import pytest

from elmo import ConfigError
from elmo.recipes.build import read_recipe, recipe_names


def test_shipped_models_have_recipes():
    assert {"en-small", "zh-small"} <= set(recipe_names())


@pytest.mark.parametrize("name", ["en-small", "zh-small"])
def test_recipe_is_a_valid_training_config_once_its_corpora_are_filled_in(name):
    recipe = read_recipe(name)
    assert recipe.corpora.heldout and recipe.corpora.tokenizer in ("moses", "jieba")
    config = recipe.train_config(["train.txt"], "vocab.txt", [], "run")
    assert config.training.max_steps > 0 and config.data.batching == "windows"
    assert config.data.tokenizer == recipe.corpora.tokenizer


def test_a_typo_in_the_corpora_table_is_named(tmp_path):
    from importlib import resources
    text = resources.files("elmo.recipes").joinpath("en-small.toml").read_text()
    path = tmp_path / "typo.toml"
    path.write_text(text.replace("vocab_size", "vocab_sise"))
    with pytest.raises(ConfigError, match="did you mean 'vocab_size'"):
        read_recipe(str(path))


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(ConfigError, match="en-small"):
        read_recipe("xx-huge")


def test_a_recipe_file_can_replace_a_shipped_name(tmp_path):
    from importlib import resources

    from elmo.recipes.build import recipe_names
    text = resources.files("elmo.recipes").joinpath("en-small.toml").read_text()
    path = tmp_path / "en-medium.toml"
    path.write_text(text.replace("dim = 512", "dim = 2048"))
    assert read_recipe(str(path)).training["model"]["lstm"]["dim"] == 2048
    assert "en-medium" not in recipe_names()


def test_mixed_shards_hold_every_sentence_once_with_corpora_interleaved(tmp_path):
    from elmo.recipes.build import mixed_shards
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("".join(f"a{i}\n" for i in range(50)))
    second.write_text("".join(f"b{i}\n" for i in range(50)) + "\n")
    shards = mixed_shards([str(first), str(second)], tmp_path / "mixed", 4)
    lines = [line for shard in shards for line in open(shard).read().split()]
    assert sorted(lines) == sorted([f"a{i}" for i in range(50)] + [f"b{i}" for i in range(50)])
    assert all(any(l.startswith("a") for l in open(s).read().split()) and
               any(l.startswith("b") for l in open(s).read().split()) for s in shards)
    assert mixed_shards([str(first)], tmp_path / "mixed", 4) == shards  # done once, reused


def test_the_model_card_describes_the_trained_model(tmp_path):
    from training_configs import write_config

    from elmo.evaluate.perplexity import Perplexity
    from elmo.interop.model_folder import ModelFolder
    from elmo.recipes.build import RecipeCorpora, model_card
    from elmo.train.config import read_train_config
    from elmo.train.trainer import train
    config = read_train_config(write_config(tmp_path, training="max_steps = 2"))
    folder = ModelFolder.load(train(config, progress=False))
    card = model_card("tiny", RecipeCorpora(("pd1998",), "pd1998", 100, "jieba"), config, folder,
                      Perplexity(10.0, 11.0, 10.5, 100), tmp_path)
    assert "filters [[1, 8], [2, 8]]" in card and "2 steps of 4 x 10" in card
    assert "| 10.0 | 11.0 | 10.5 |" in card and "sampled softmax (16 samples)" in card
