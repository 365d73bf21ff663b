"""Fast paths give exactly what the libraries they stand in for give."""

from __future__ import annotations

import random
import re
from collections import Counter

from markdown.treeprocessors import InlineProcessor

from webapp.authoring import reader, rendering
from webapp.search import analysis, indexing

from .conftest import SAMPLE_CONTENT

PIECES = ['"', "'", "--", "---", "----", "...", "....", "word", "Word", " ", " ", "*em*",
          "**strong**", '`co"de`', "&amp;", "&nbsp;", "'80s", '\\"', "\\'", "\n", "\n\n",
          "\n\n## ", "\n\n- ", "(", ")", "[", "]", "-", ".", ",", "s", "1990", "“", "–",
          "<b>x</b>", '[link](http://x.y/"q")', "&mdash;", "x", "?", "_", "__u__", "  \n",
          "\\", "\\*", "<http://x.y>", "<a@b.cd>", "![i](x.png)", "[r]", "\n\n[r]: http://x.y\n",
          "`", "&#39;", "&", "<", "*"]  # fmt: skip


def _slow(text: str):
    # Private on purpose: the reference is Python-Markdown configured exactly as the renderer
    # falls back to it, and a copy of that configuration here could drift from it unseen.
    md = rendering._slow_renderer()
    raw = md.convert(text)
    return rendering.sanitise(raw), tuple(rendering._flatten_toc(md.toc_tokens))


def test_typography_matches_python_markdowns_smarty():
    rng = random.Random(8)
    texts = [
        reader.read_front_matter(p, SAMPLE_CONTENT)[1]
        for p in (SAMPLE_CONTENT / "articles").glob("*.md")
    ]
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30))) for _ in range(1500)]
    for text in texts:
        assert rendering.render_markdown(text) == _slow(text), text


def test_indexing_fast_path_gives_the_filter_chains_postings():
    from whoosh.fields import TEXT

    schema = indexing.make_schema()
    texts = [p.read_text(encoding="utf-8") for p in (SAMPLE_CONTENT / "articles").glob("*.md")]
    texts += [
        "",
        "the of a",
        "Ｒｅｌａｔｉｏｎｓｈｉｐ café naïve ﬁne ßtraße e\u0301t\u00e9",
        "behavior colors organizing counseling Behaviour",
        "x" * 50 + " ok",
        "_a_ 12 3",
    ]
    for name in ("title", "summary", "body", "tags"):
        field = schema[name]
        for text in texts:
            assert sorted(field.index(text)) == sorted(TEXT.index(field, text)), (name, text)
            analyzer = field.analyzer
            fast = sorted(
                ((term, pos, start, end)
                 for term, found in analyzer.occurrences(text).items()
                 for pos, start, end in found),
                key=lambda t: t[1],
            )  # fmt: skip
            chain = [
                (t.text, t.pos, t.startchar, t.endchar)
                for t in analyzer.chain(text, positions=True, chars=True, mode="index")
            ]
            assert fast == chain, (name, text)
    # The vocabulary ("Did you mean", completions) counts real words the same fast way.
    words = analysis.word_analyzer()
    for text in texts:
        chain = Counter(t.text for t in words.chain(text, mode="index"))
        assert words.counts(text) == chain, text


def test_plain_text_turns_every_kind_of_whitespace_run_into_one_space():
    # What is indexed and counted for reading time: a tab, a no-break space or an ideographic
    # space between two words still separates them, and nothing else does.
    spaces = [c for c in map(chr, range(0x110000)) if re.fullmatch(r"\s", c)]
    assert len(spaces) > 20
    for space in spaces:
        assert rendering.html_to_text(f"<p>{space}one{space}{space}two{space}</p>") == "one two"
    assert rendering.html_to_text("<p>one\u200btwo</p>") == "one\u200btwo"  # zero width
    assert rendering.html_to_text("<h2>A <em>b</em></h2>\n<p>C &amp; d</p>") == "A b. C & d"


def test_articles_keep_only_the_classes_our_markdown_gives():
    # A class copied from the site's own styles would let an article dress any link up as
    # the quick-exit button (or hide text with the print styles).
    html, _ = rendering.render_markdown(
        '## A part\n\n<a class="quick-exit" href="https://example.org/">Leave</a>\n\n'
        '<div class="quick-exit-bar section-heading">x</div>\n\n'
        '<a class="headerlink quick-exit-about" href="#a-part">#</a>\n'
    )
    assert "quick-exit" not in html
    assert re.search(r'<a (class="" )?href="https://example.org/" [^>]*>Leave</a>', html)
    # What the renderer itself makes keeps its classes: the heading's wrapper and its link.
    assert '<div class="section-heading"><h2 id="a-part">A part</h2><a aria-label=' in html
    assert 'class="headerlink" href="#a-part"' in html
    assert '<div class="section-heading">x</div>' in html
    assert set(re.findall(r'class="([^"]*)"', html)) <= {"section-heading", "headerlink", ""}


def test_the_fast_paths_stand_in_for_python_markdowns_own_processors():
    # Each takes the place of a processor by the name Python-Markdown gives it, and the
    # quick inline processor overrides a private method by its mangled name: were either
    # renamed, rendering would silently take the slow path (or skip the fast one's check).
    md = rendering._new_renderer()
    assert isinstance(md.treeprocessors["smarty"], rendering._FastSmarty)
    assert isinstance(md.treeprocessors["inline"], rendering._QuickInline)
    assert callable(getattr(InlineProcessor, "_InlineProcessor__handleInline", None))
    # The headings' names come from the toc extension's `toc_tokens`.
    md.convert("## Trust & safety\n\nText.")
    assert [heading["name"] for heading in md.toc_tokens] == ["Trust &amp; safety"]
