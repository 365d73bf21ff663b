"""Markdown to safe HTML, once per article: rendered, sanitised (nh3) and its plain text."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree

import markdown
import nh3
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

from webapp.model import Heading

# An allow-list, not a block-list: anything Markdown might emit that we have not chosen to
# show (scripts, styles, frames, event handlers, inline style) is dropped.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "aria-label"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "li": {"id"},
    "sup": {"id"},
}


# Only the classes our own Markdown extensions give (a heading's "#" link and the wrapper
# `_SectionLinks` puts round it): any other class written into an article is dropped, so it
# cannot borrow the site's styles, say to dress a link up as the quick-exit button.
ALLOWED_CLASSES = {
    "a": {"headerlink"},
    "div": {"section-heading"},
}


ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


class _SectionLinks(Treeprocessor):
    """Move each heading's "#" self-link out of the heading and name it after its section.

    Inside the heading, the link's "#" became part of the heading's name ("Trust and safety
    #") and the link itself was announced as just "#". Beside the heading (GitHub does the
    same) the heading reads cleanly and the link says where it goes.
    """

    def run(self, root: Any) -> None:
        names = {h.id: h.title for h in _flatten_toc(getattr(self.md, "toc_tokens", []))}
        for parent in list(root.iter()):
            for position, heading in enumerate(list(parent)):
                link = next((a for a in heading if a.get("class") == "headerlink"), None)
                if link is None:
                    continue
                heading.remove(link)
                link.attrib.pop("title", None)
                name = names.get(heading.get("id", ""), "")
                link.set("aria-label", f"Link to this section: {name}".strip(": "))
                wrapper = ElementTree.Element("div", {"class": "section-heading"})
                wrapper.tail, heading.tail = heading.tail, None
                wrapper.extend([heading, link])
                parent.remove(heading)
                parent.insert(position, wrapper)


_renderers = threading.local()


def render_markdown(text: str) -> tuple[str, tuple[Heading, ...]]:
    """Render Markdown to sanitised HTML and return it with its table of contents."""
    # Setting up a Markdown instance with its extensions costs about a tenth of rendering
    # an article; one per thread is reset and reused (Python-Markdown supports this).
    md = getattr(_renderers, "md", None)
    if md is None:
        md = _renderers.md = _new_renderer()
    md.reset()
    raw = md.convert(text)
    headings = tuple(_flatten_toc(md.toc_tokens))  # type: ignore[attr-defined]
    return sanitise(raw), headings


class _FastSmarty(Treeprocessor):
    """Python-Markdown's `smarty` quotes, dashes and ellipses, with the same output, faster.

    The extension runs its fifteen-odd patterns through a second InlineProcessor, whose
    per-pattern, per-node bookkeeping was over half of all rendering time. This applies the
    extension's own patterns and replacements, in its order and with its rules (each match
    becomes an opaque placeholder, the search restarts, entities go to the HTML stash), to
    the same text and tails, using plain regex searches; nodes with no quote, dash or dot
    are skipped outright, and so is each pattern whose quote, dashes or dots the text lacks.
    """

    CANDIDATE = re.compile(r"['\"\-.]")
    # What each pattern, by smarty's name for it, needs in the text to match at all (one of
    # these strings); a pattern not named here is always tried. Replacing a match never
    # adds any of them: the replacement goes to the stash and the text gets a placeholder.
    NEEDS = {"smarty-em-dashes": ("---",), "smarty-en-dashes": ("--",),
             "smarty-ellipses": ("...",)}  # fmt: skip
    QUOTES = ("'", '"')

    def __init__(self, md: markdown.Markdown, patterns):
        super().__init__(md)
        names = [item.name for item in sorted(patterns._priority, key=lambda i: -i.priority)]  # noqa: SLF001 - no public way
        self.patterns = [
            (patterns[name].getCompiledRegExp(), patterns[name].replace, self._needs(name))
            for name in names
        ]

    @classmethod
    def _needs(cls, name: str) -> tuple[str, ...]:
        if name.startswith("smarty-quotes-"):
            return cls.QUOTES
        return cls.NEEDS.get(name, ("",))  # every text holds ""

    def run(self, root):
        """Educate the text and tail of every element below the root."""
        self.stashed: list[str] = []
        for element in root.iter():
            if element is root:
                continue
            text = element.text
            if text and not isinstance(text, AtomicString):
                element.text = self.educate(text)
            tail = element.tail
            if tail and not isinstance(tail, AtomicString):
                element.tail = self.educate(tail)
        return None

    def educate(self, data: str) -> str:
        """Return the text as smarty's InlineProcessor would leave it."""
        if not self.CANDIDATE.search(data):
            return data
        stash = self.stashed
        changed = False
        for regex, replace, needs in self.patterns:
            if not any(needed in data for needed in needs):
                continue
            match = regex.search(data)
            while match is not None:
                result = "".join(
                    match.group(part) if isinstance(part, int) else self.md.htmlStash.store(part)
                    for part in replace
                )
                stash.append(result)
                placeholder = f"\x02klzzwxh:{len(stash) - 1}\x03"
                data = data[: match.start()] + placeholder + data[match.end() :]
                changed = True
                match = regex.search(data)
        if not changed:
            return data
        return _PLACEHOLDER.sub(lambda m: stash[int(m.group(1))], data)


_PLACEHOLDER = re.compile("\x02klzzwxh:([0-9]+)\x03")


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline processor, returning at once text no inline pattern can match.

    It tries each of its fourteen patterns on every text and tail in turn, with a regex search
    and some bookkeeping each: most of rendering a paragraph of plain prose. Every one of the
    stock patterns needs a backtick, backslash, square or angle bracket, ampersand, asterisk
    or underscore, or a line break's two spaces before a newline; text with none of those
    comes back unchanged from trying them all, so it is not tried.
    """

    PATTERNS = ("backtick", "escape", "reference", "link", "image_link", "image_reference",
                "short_reference", "short_image_ref", "autolink", "automail", "linebreak",
                "html", "entity", "em_strong")  # fmt: skip
    NEEDED = re.compile(r"[`\\\[<&*_]|  \n")

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803 - Markdown's name
        # The name is the parent's private method's, so that its own calls come here too.
        if not self.NEEDED.search(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


def _new_renderer() -> markdown.Markdown:
    md = _slow_renderer()
    smarty = md.treeprocessors["smarty"]
    md.treeprocessors.register(_FastSmarty(md, smarty.inlinePatterns), "smarty", 6)
    # Only for the patterns it knows: another extension's inline pattern may need anything.
    if tuple(p.name for p in md.inlinePatterns._priority) == _QuickInline.PATTERNS:  # noqa: SLF001 - see above
        md.treeprocessors.register(_QuickInline(md), "inline", 20)
    return md


def _slow_renderer() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["toc", "smarty", "tables", "fenced_code", "sane_lists"],
        extension_configs={
            "toc": {
                "permalink": "#",
                "permalink_class": "headerlink",
                "toc_depth": "2-3",
            },
            "smarty": {"smart_angled_quotes": False},
        },
        output_format="html",
    )
    # After the toc processor (priority 5), which adds the links and the headings' names.
    md.treeprocessors.register(_SectionLinks(md), "section_links", 4)
    return md


def sanitise(raw_html: str) -> str:
    """Keep only the tags, attributes and URL schemes we have chosen to allow."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, for indexing, word counts and snippets.

    Headings, list items, table cells and definition terms seldom end in punctuation; each
    that does not gets a full stop (a semicolon before text going on in lower case, as list
    items often do), so a search snippet reads "Why it happens. Panic is…" rather than
    running the heading into the next sentence. Indexing sees only the words, which stay the
    same.
    """
    without_permalinks = _PERMALINK.sub("", fragment.replace(_BLOCK_END, " "))
    marked = _UNPUNCTUATED_BLOCK_END.sub(_BLOCK_END, without_permalinks)
    text = html.unescape(nh3.clean(marked, tags=set()))
    # Runs of whitespace become one space: `split()` breaks on exactly the characters
    # that `\s` matches in a str pattern, at a third of `re.sub`'s cost.
    *blocks, rest = (" ".join(part.split()) for part in text.split(_BLOCK_END))
    blocks = [block for block in blocks if block]
    pieces = []
    for number, block in enumerate(blocks, start=1):
        if not _SENTENCE_END.search(block):
            after = blocks[number] if number < len(blocks) else rest
            block += ";" if after[:1].islower() else "."
        pieces.append(block)
    return " ".join([*pieces, rest] if rest else pieces)


_PERMALINK = re.compile(r'<a [^>]*class="headerlink"[^>]*>.*?</a>')


def article_link_spans(body_html: str, body_text: str) -> tuple[tuple[int, int], ...]:
    """Return where `body_text` (the body's `html_to_text`) holds the text of links to
    other articles, as (start, end) offsets; none if they cannot be placed exactly.

    A link's words are mostly the other article's title ("see [sleep and mental
    health](/articles/sleep-and-mental-health)"): counted as this article's own words, they
    made it a search result for the other's title and a close match for the other article.
    """
    if _ARTICLE_LINK_START not in body_html:
        return ()
    marked = html_to_text(_ARTICLE_LINK.sub(rf"\1{_LINK_OPEN}\2{_LINK_CLOSE}\3", body_html))
    pieces, spans, at = [], [], 0
    for number, part in enumerate(marked.split(_LINK_OPEN)):
        inner, closed, after = part.partition(_LINK_CLOSE) if number else ("", "", part)
        if number and not closed:
            return ()
        pieces += [inner, after]
        if inner:
            spans.append((at, at + len(inner)))
        at += len(inner) + len(after)
    # The marks may change where html_to_text adds a full stop: then place nothing.
    return tuple(spans) if "".join(pieces) == body_text else ()


_ARTICLE_LINK_START = '<a href="/articles/'
_ARTICLE_LINK = re.compile(r'(<a href="/articles/[^"]*"[^>]*>)(.*?)(</a>)', re.DOTALL)
# Private use characters; should the text itself hold one, the check above fails.
_LINK_OPEN, _LINK_CLOSE = "\ue000", "\ue001"


_UNPUNCTUATED_BLOCK_END = re.compile(r"</(?:h[1-6]|li|dt|dd|th|td)>")


_BLOCK_END = "\x1f"  # a control character: replaced wherever the text itself holds one


# Ends a sentence or clause already, perhaps inside a closing quote or bracket.
_SENTENCE_END = re.compile(r"[.!?:;,…][\"'”’)\]]*$")


def _flatten_toc(tokens: list[dict[str, Any]]) -> Iterable[Heading]:
    for token in tokens:
        yield Heading(token["level"], token["id"], html.unescape(token["name"]))
        yield from _flatten_toc(token.get("children", []))
