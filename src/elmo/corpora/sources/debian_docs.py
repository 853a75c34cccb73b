"""Technical English prose from two Debian documentation packages: the Python 3.11 manual
(``python3.11-doc``) and the Linux 6.1 kernel documentation (``linux-doc-6.1``), both Sphinx HTML.

Each page's paragraphs (see :mod:`elmo.corpora.html_text`: no code blocks, no navigation) are
split into sentences (pysbd) and tokens (sacremoses). Pages without prose are skipped (indexes,
search, the Python changelog, the kernel's translations into other languages). Split by page,
90/5/5, in sorted path order.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from elmo.corpora.archives import iter_members, read_member
from elmo.corpora.download import Artifact
from elmo.corpora.errors import ArchiveError
from elmo.corpora.html_text import html_paragraphs
from elmo.corpora.spec import CorpusSpec
from elmo.corpora.splits import BY_DOCUMENT, split_of_document
from elmo.corpora.tokenize import ENGLISH, english_sentences
from elmo.corpora.writer import CorpusWriter

PYTHON_DOCS = Artifact("apt", "python3.11-doc=3.11.2-6+deb12u8",
                       "python3.11-doc_3.11.2-6+deb12u8_all.deb",
                       "50eb63e7f636c4281e9ce1b8f10386f1def42159eddce34fc1f41c46261df71b")
KERNEL_DOCS = Artifact("apt", "linux-doc-6.1=6.1.176-1", "linux-doc-6.1_6.1.176-1_all.deb",
                       "0d843674607703b9ef8c1db5e715c38ed52ff23574feabfe0d961d552126859f")
PYTHON_HTML = "usr/share/doc/python3.11/html/"
KERNEL_HTML = "usr/share/doc/linux-doc-6.1/html/"
_NO_PROSE = re.compile(r"(^|/)(genindex[^/]*|py-modindex|search|changelog)\.html$")


def is_python_page(name: str) -> bool:
    """An HTML page of the Python manual with prose."""
    return (name.startswith(PYTHON_HTML) and name.endswith(".html")
            and not name.startswith(PYTHON_HTML + "_") and not _NO_PROSE.search(name))


def is_kernel_page(name: str) -> bool:
    """An English HTML page of the kernel documentation with prose."""
    return (name.startswith(KERNEL_HTML) and name.endswith(".html")
            and not name.startswith((KERNEL_HTML + "_", KERNEL_HTML + "translations/"))
            and not _NO_PROSE.search(name))


def convert_pages(pages: dict[str, str], writer: CorpusWriter) -> None:
    """Write HTML pages (path -> HTML) to the split of their position in sorted path order."""
    for index, name in enumerate(sorted(pages)):
        split = split_of_document(index)
        for paragraph in html_paragraphs(pages[name]):
            for tokens in english_sentences(paragraph):
                writer.sentence(split, tokens)


def _converter(wanted: Callable[[str], bool]):
    def convert(archives: Sequence[Path], writer: CorpusWriter) -> None:
        pages = {name: content.decode("utf-8", errors="replace")
                 for name, content in iter_members(archives[0], wanted)}
        if not pages:
            raise ArchiveError(f"{archives[0].name} has no HTML page of the expected layout")
        convert_pages(pages, writer)
    return convert


def _notice(copyright_file: str, package: str):
    def notice(archives: Sequence[Path]) -> str:
        text = read_member(archives[0], copyright_file).decode("utf-8", errors="replace").strip()
        return (f"Derived from the Debian package {package} (apt-get download), whose copyright "
                f"file follows.\n\n{text}\n")
    return notice


PYTHON_CORPUS = CorpusSpec(
    name="python-docs", language="en", description="Python 3.11 manual (prose of the HTML pages)",
    licence="PSF License (Python docs)", size="1.7M words", version="python3.11-doc 3.11.2-6+deb12u8",
    source=f"apt-get download {PYTHON_DOCS.spec}: {PYTHON_HTML}**.html",
    artifacts=(PYTHON_DOCS,), convert=_converter(is_python_page),
    notice=_notice("usr/share/doc/python3.11-doc/copyright", "python3.11-doc"), tokenizer=ENGLISH,
    split=BY_DOCUMENT.format(order="sorted path order of the HTML pages"))

KERNEL_CORPUS = CorpusSpec(
    name="kernel-docs", language="en", description="Linux 6.1 kernel documentation (English pages)",
    licence="GPL-2.0 (kernel docs)", size="3.7M words", version="linux-doc-6.1 6.1.176-1",
    source=f"apt-get download {KERNEL_DOCS.spec}: {KERNEL_HTML}**.html",
    artifacts=(KERNEL_DOCS,), convert=_converter(is_kernel_page),
    notice=_notice("usr/share/doc/linux-doc-6.1/copyright", "linux-doc-6.1"), tokenizer=ENGLISH,
    split=BY_DOCUMENT.format(order="sorted path order of the HTML pages"))
