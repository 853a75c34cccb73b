"""Reading R lazy-load databases (as in r-cran-janeaustenr), and the Austen converter.

The R serializations below are written by hand in the XDR format R uses: a 4-byte big-endian
flags word per object (type in the low byte, bit 9 "has attributes", bit 10 "has tag", the
CHARSXP encoding in bits 12+), then the object's length and contents.
"""
import gzip
import struct
import zlib

import pytest
from test_corpora_archives import make_deb

from elmo.corpora.rdata import (
    RFormatError,
    RObject,
    decompress,
    load_lazy_database,
    unserialize,
)
from elmo.corpora.sources import austen
from elmo.corpora.writer import CorpusWriter

HEADER = b"X\n" + struct.pack(">iii", 2, 0x040201, 0x020300)
NIL = struct.pack(">i", 254)


def r_int(*values):
    return struct.pack(f">ii{len(values)}i", 13, len(values), *values)


def r_char(text, latin1=False):
    if text is None:
        return struct.pack(">ii", 9, -1)
    data = text.encode("latin-1" if latin1 else "utf-8")
    return struct.pack(">ii", 9 | ((4 if latin1 else 8) << 12), len(data)) + data


def r_str(*values):
    return struct.pack(">ii", 16, len(values)) + b"".join(r_char(value) for value in values)


def r_named_list(items: dict, names_symbol=None):
    """A VECSXP with a names attribute; ``names_symbol`` replaces the symbol (a reference)."""
    symbol = names_symbol or struct.pack(">i", 1) + r_char("names")
    attributes = struct.pack(">i", 2 | 1 << 10) + symbol + r_str(*items) + NIL
    return (struct.pack(">ii", 19 | 1 << 9, len(items)) + b"".join(items.values()) + attributes)


def stored(serialization):
    """An object as lazyLoadDBinsertValue stores it: its length, then zlib data."""
    return struct.pack(">I", len(serialization)) + zlib.compress(serialization)


def lazy_database(variables: dict[str, bytes]):
    """(rdx, rdb) bytes of a lazy-load database holding the serialized ``variables``."""
    rdb, where = b"", {}
    for name, serialization in variables.items():
        blob = stored(HEADER + serialization)
        where[name] = r_int(len(rdb), len(blob))
        rdb += blob
    index = r_named_list({"variables": r_named_list(where), "references": r_named_list({}),
                          "compressed": struct.pack(">iii", 10, 1, 1)})
    return gzip.compress(HEADER + index), rdb


def test_character_vectors_keep_na_and_latin1_strings():
    assert unserialize(HEADER + r_str("Emma", None, "")) == ["Emma", None, ""]
    latin1 = struct.pack(">ii", 16, 1) + r_char("café", latin1=True)
    assert unserialize(HEADER + latin1) == ["café"]


def test_a_named_list_keeps_its_names_attribute_and_symbol_references():
    reference = struct.pack(">i", 1 << 8 | 255)  # the first symbol read: the inner list's names
    inner = r_named_list({"n": r_int(7)})
    value = unserialize(HEADER + r_named_list({"a": r_int(1, -(2 ** 31)), "b": inner},
                                              names_symbol=reference))
    assert isinstance(value, RObject) and value.attributes == {"names": ["a", "b"]}
    assert value.value[0] == [1, None]
    assert value.value[1].value == [[7]] and value.value[1].attributes == {"names": ["n"]}


def test_a_lazy_load_database_gives_every_variable_by_name():
    rdx, rdb = lazy_database({"emma": r_str("EMMA", "By Jane Austen"), "n": r_int(3)})
    assert load_lazy_database(rdx, rdb) == {"emma": ["EMMA", "By Jane Austen"], "n": [3]}


def test_a_stored_object_of_the_wrong_length_is_a_format_error():
    blob = struct.pack(">I", 99) + zlib.compress(b"short")
    with pytest.raises(RFormatError, match="object of 5 bytes, 99 expected"):
        decompress(blob)


def test_a_serialization_without_the_xdr_header_is_a_format_error():
    with pytest.raises(RFormatError, match="not an XDR R serialization"):
        unserialize(b"A\n" + r_int(1))


NOVEL = ["PERSUASION", "", "by Jane Austen", "", "CHAPTER I", "", "Sir Walter Elliot, of",
         "Kellynch Hall, was a man. He read _only_ one book.", "", "CHAPTER II", "",
         "Mr. Shepherd came."]


def test_a_novel_is_cut_into_chapters_at_chapter_headings():
    assert austen.chapters(NOVEL) == [
        "PERSUASION\n\nby Jane Austen\n",
        "CHAPTER I\n\nSir Walter Elliot, of\nKellynch Hall, was a man. He read only one book.\n",
        "CHAPTER II\n\nMr. Shepherd came."]


def test_austen_is_read_from_the_r_database_in_the_debian_package(tmp_path):
    novels = {name: r_str(*[line for i in range(1, 5) for line in (f"Chapter {i}", "", f"{name} {i}.")])
              for name in austen.NOVELS}
    rdx, rdb = lazy_database(novels)
    archive = make_deb(tmp_path / "r-cran-janeaustenr_1.0.0-1_all.deb", {
        austen.DATA + "Rdata.rdx": rdx, austen.DATA + "Rdata.rdb": rdb,
        austen.COPYRIGHT: "License: MIT"})
    with CorpusWriter(tmp_path / "out") as writer:
        austen.convert([archive], writer)
    # 24 chapters in order of publication: the 19th (Northanger Abbey, chapter 3) is dev
    assert (tmp_path / "out" / "dev.txt").read_text() == "Chapter 3\nnorthangerabbey 3 .\n"
    assert (tmp_path / "out" / "test.txt").read_text() == "Chapter 4\nnorthangerabbey 4 .\n"
    assert writer.counts()["train"] == {"sentences": 44, "tokens": 110}
    assert "License: MIT" in austen.notice([archive])
