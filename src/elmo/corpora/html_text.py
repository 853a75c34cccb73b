"""The prose of a Sphinx HTML page: the text of its paragraphs, without code or navigation.

Only paragraphs (``<p>``, and DocBook's ``<div class="para">``) inside the page's main element (``role="main"``; the whole page if it has
none) are read, with their inline markup (links, inline code, emphasis) reduced to its text.
Code blocks (``<pre>``), scripts, styles, the pilcrow links after headings, and the short
labels Sphinx writes as paragraphs (admonition titles, rubrics, captions) are left out.
"""
from __future__ import annotations

from html.parser import HTMLParser

_SKIPPED_ELEMENTS = {"pre", "script", "style", "textarea"}
_LABEL_CLASSES = {"admonition-title", "rubric", "caption", "sidebar-title", "topic-title"}


def html_paragraphs(html: str) -> list[str]:
    """The paragraphs of prose of an HTML page, each with its whitespace collapsed."""
    parser = _ParagraphParser()
    parser.feed(html)
    parser.close()
    if not parser.saw_main:  # no main element: read the whole page
        parser = _ParagraphParser(whole_page=True)
        parser.feed(html)
        parser.close()
    return parser.paragraphs


class _ParagraphParser(HTMLParser):
    def __init__(self, whole_page: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.saw_main = False
        self._whole_page = whole_page
        self._main_tag: str | None = None  # the tag of the main element while inside it
        self._main_depth = 0  # open elements of that tag, the main one included
        self._skip_depth = 0  # open <pre>, <script>...
        self._headerlink_depth = 0
        self._para_div_depth = 0  # open <div>s since a <div class="para"> began
        self._text: list[str] | None = None  # the paragraph being read

    @property
    def _reading(self) -> bool:
        return self._whole_page or self._main_depth > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._main_tag is None and attributes.get("role") == "main" and not self._whole_page:
            self._main_tag, self._main_depth, self.saw_main = tag, 1, True
            return
        if tag == self._main_tag and self._main_depth > 0:
            self._main_depth += 1
        classes = set((attributes.get("class") or "").split())
        if tag in _SKIPPED_ELEMENTS:
            self._skip_depth += 1
        elif tag == "a" and "headerlink" in classes:
            self._headerlink_depth += 1
        elif tag == "p" and self._reading and not classes & _LABEL_CLASSES:
            self._flush()
            self._text = []
        elif tag == "div" and self._para_div_depth:
            self._para_div_depth += 1
        elif tag == "div" and "para" in classes and self._reading:
            self._flush()
            self._text, self._para_div_depth = [], 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._main_tag and self._main_depth > 0:
            self._main_depth -= 1
        if tag in _SKIPPED_ELEMENTS and self._skip_depth > 0:
            self._skip_depth -= 1
        elif tag == "a" and self._headerlink_depth > 0:
            self._headerlink_depth -= 1
        elif tag == "p":
            self._flush()
        elif tag == "div" and self._para_div_depth:
            self._para_div_depth -= 1
            if not self._para_div_depth:
                self._flush()

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._skip_depth and not self._headerlink_depth:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        if self._text is not None:
            text = " ".join("".join(self._text).split())
            if text:
                self.paragraphs.append(text)
        self._text = None
