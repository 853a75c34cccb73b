import numpy as np
import pytest
import torch

from elmo import InputError, batch_to_ids
from elmo.data.chars import token_to_char_ids


def test_ascii_token_is_begin_bytes_end_then_padding_all_shifted_by_one():
    ids = token_to_char_ids("ab")
    assert ids[:4].tolist() == [259, 98, 99, 260]
    assert (ids[4:] == 261).all() and ids.shape == (50,)


def test_multibyte_token_uses_utf8_bytes():
    ids = token_to_char_ids("苹")  # e8 8b b9
    assert ids[:5].tolist() == [259, 0xE8 + 1, 0x8B + 1, 0xB9 + 1, 260]


def test_long_token_is_cut_to_48_bytes_even_inside_a_character():
    ids = token_to_char_ids("é" * 30)  # 60 bytes: c3 a9 repeated
    assert ids[0] == 259 and ids[49] == 260
    assert ids[1:49].tolist() == [0xC3 + 1, 0xA9 + 1] * 24


def test_sentence_marker_tokens_map_to_special_characters():
    assert token_to_char_ids("<S>")[:4].tolist() == [259, 257, 260, 261]
    assert token_to_char_ids("</S>")[:4].tolist() == [259, 258, 260, 261]


def test_batch_to_ids_pads_absent_tokens_with_zero_rows():
    ids = batch_to_ids([["a", "b", "c"], ["d"], []])
    assert ids.shape == (3, 3, 50) and ids.dtype == torch.int64
    assert (ids[1, 1:] == 0).all() and (ids[2] == 0).all()
    assert np.array_equal(ids[1, 0].numpy(), token_to_char_ids("d"))


def test_batch_to_ids_rejects_a_list_of_strings():
    with pytest.raises(InputError, match="list of token lists"):
        batch_to_ids(["Hello world"])


def test_empty_token_is_rejected():
    with pytest.raises(InputError, match="empty token"):
        batch_to_ids([["a", ""]])
