import subprocess
import sys

import pytest

from elmo import InputError
from elmo.data.tokenizers import get_tokenizer


def test_whitespace_tokenizer_splits_on_runs_of_whitespace():
    assert get_tokenizer("whitespace")(" I  play\tchess . ") == ["I", "play", "chess", "."]


def test_chars_tokenizer_makes_each_character_a_token():
    assert get_tokenizer("chars")("苹果手机") == ["苹", "果", "手", "机"]


def test_chars_tokenizer_drops_whitespace():
    assert get_tokenizer("chars")("苹果 手机\t!") == ["苹", "果", "手", "机", "!"]


def test_jieba_tokenizer_segments_chinese_words():
    assert get_tokenizer("jieba")("我爱北京天安门") == ["我", "爱", "北京", "天安门"]


def test_jieba_tokenizer_drops_whitespace_tokens():
    assert get_tokenizer("jieba")("苹果手机  很好") == ["苹果", "手机", "很", "好"]


def test_jieba_tokenizer_prints_no_start_up_messages():
    code = "from elmo.data.tokenizers import get_tokenizer; get_tokenizer('jieba')('我爱北京')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "" and result.stderr == ""


def test_unknown_tokenizer_is_an_input_error_naming_the_choices():
    with pytest.raises(InputError, match="whitespace, chars, jieba"):
        get_tokenizer("spacy")
