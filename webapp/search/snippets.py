"""The lines under each search result: the matched words marked in the body's best passages."""

from __future__ import annotations

import html
import itertools

from whoosh import highlight
from whoosh import query as wq
from whoosh.analysis import Token

from webapp.search import ranking


class MarkFormatter(highlight.Formatter):
    """Format fragments as HTML: all text escaped, matches wrapped in <mark>, and one
    ellipsis wherever text is left out (before, between and after the fragments)."""

    def _text(self, text):
        return html.escape(text)

    def format_token(self, text, token, replace=False):
        """Return one match, escaped, inside <mark>."""
        return "<mark>" + html.escape(highlight.get_text(text, token, replace)) + "</mark>"

    def format(self, fragments, replace=False):
        """Return fragments (in text order, not overlapping) as one snippet."""
        if not fragments:
            return ""
        formatted = " … ".join(self.format_fragment(f, replace).strip() for f in fragments)
        before = "…" if fragments[0].startchar > 0 else ""
        last = fragments[-1]
        after = ""
        if last.endchar < len(last.text):
            # After a whole sentence the left-out text starts a new one: "advise. …".
            after = " …" if last.text[: last.endchar].rstrip().endswith((".", "!", "?")) else "…"
        return f"{before}{formatted}{after}"


# Body snippets are built from the character positions stored with each posting: no
# re-analysis of the body, and (unlike Whoosh's terms=True) no matched-term bookkeeping for
# every matching document, only for the page shown.
# Only matches within a body's first SNIPPET_CHARS characters are looked at, so the work per
# result is bounded whatever the article's length: a common word in a very long article
# has tens of thousands of matches, and each was a token to make and sort. (Whoosh's
# fragmenter stops there too, so no snippet ever came from further on.) An article whose
# only matches lie further on shows its summary instead.
SNIPPET_CHARS = 2**15


_FRAGMENTER = highlight.PinpointFragmenter(maxchars=100, surround=50, charlimit=SNIPPET_CHARS)


_FORMATTER = MarkFormatter()


# Summaries are short and have no stored positions: re-analyse them and show them whole.
SUMMARY_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.WholeFragmenter(), formatter=_FORMATTER
)


def body_snippets(ranker: ranking.Ranker, groups: list[wq.Query], hits) -> dict[int, str]:
    """Return each hit's best two body fragments with the query's body terms marked."""
    docnums = sorted(hit.docnum for hit in hits)
    tokens: dict[int, list[Token]] = {docnum: [] for docnum in docnums}
    terms = {text for q in groups for field, text in q.iter_all_terms() if field == "body"}
    for term in terms:
        holders = ranker.term_scores("body", term)  # open postings only where a hit has it
        within = [d for d in docnums if d in holders]
        for docnum, postings in ranker.postings_at("body", term, within):
            # In text order: stop at the first match past the bound.
            tokens[docnum] += [
                Token(text=term, pos=pos, startchar=start, endchar=end, matched=True)
                for pos, start, end in itertools.takewhile(
                    lambda place: place[2] <= SNIPPET_CHARS, postings.value_as("characters")
                )
            ]
    snippets = {}
    for hit in hits:
        found = sorted(tokens[hit.docnum], key=lambda t: (t.startchar, -t.endchar))
        found = [t for i, t in enumerate(found) if i == 0 or t.startchar != found[i - 1].startchar]
        # The fragments' context reaches at most `surround` past the last match; a little
        # more text lets them say "…" where the body goes on.
        body = hit["body"][: SNIPPET_CHARS + 2 * _FRAGMENTER.surround]
        fragments = map(_whole_words, _FRAGMENTER.fragment_matches(body, found))
        best = highlight.top_fragments(
            fragments, 2, highlight.BasicFragmentScorer(), highlight.FIRST
        )
        snippets[hit.docnum] = _FORMATTER.format(_merge_overlaps(best))
    return snippets


def _whole_words(fragment: highlight.Fragment) -> highlight.Fragment:
    """Trim a fragment's cut-off words at either end, unless it starts or ends the text."""
    # Whoosh's own autotrim also drops the first word of a fragment that starts the text.
    text, start, end = fragment.text, fragment.startchar, fragment.endchar
    if start > 0:
        space = text.find(" ", start, fragment.matches[0].startchar)
        fragment.startchar = start if space < 0 else space + 1
    if end < len(text):
        space = text.rfind(" ", fragment.matches[-1].endchar, end)
        fragment.endchar = end if space < 0 else space
    return fragment


def _merge_overlaps(fragments: list[highlight.Fragment]) -> list[highlight.Fragment]:
    """Join fragments (in text order) that overlap or touch, so no text shows twice."""
    merged: list[highlight.Fragment] = []
    for fragment in fragments:
        previous = merged[-1] if merged else None
        if previous and fragment.startchar <= previous.endchar + 1:
            previous.endchar = max(previous.endchar, fragment.endchar)
            previous.matches = previous.matches + fragment.matches
        else:
            merged.append(fragment)
    return merged
