"""Safe-messaging warnings: wording about suicide and self-harm that guidance advises against.

The phrases, and what counts as a mention, are data in `content/safe-messaging.yml`, which
the practice edits; each warning names the file, line and field, and suggests other words.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from webapp.building.source_lines import Sources
from webapp.files import ContentError, YAMLRefused, load_yaml, read_file
from webapp.model import Advice, Article, Library, body_links, topic_for
from webapp.search.crisis import support_article_fields
from webapp.search.patterns import GAP, MAX_GAP, Pattern, PatternError, compile_pattern, normalise

FILE = "safe-messaging.yml"


NEAR_WORDS = 25  # how close a method word must be to a mention of suicide or self-harm


_PHRASE_FIELDS = {"phrase", "suggestion", "why", "near_mentions"}


_QUOTE_EDGES = string.punctuation + "\u2018\u2019\u201c\u201d\u00ab\u00bb\u2026\u2013\u2014"


_APOSTROPHES = ("'", "\u2018", "\u2019", "\u02bc", "`")


_NOT_WORD = re.compile(r"[\W_]+")


_NUMBER = re.compile(r"(\d+)([^\d]*)")


_PHONE_NUMBER = re.compile(r"\d+(?:[ \u00a0]\d+)*")


@dataclass(frozen=True)
class _Phrase:
    patterns: tuple[Pattern, ...]
    suggestion: str
    why: str
    near_mentions: bool


@dataclass(frozen=True)
class Guide:
    """The safe-messaging file, read: mentions, phrases and the tags of support articles."""

    mentions: tuple[Pattern, ...]
    phrases: tuple[_Phrase, ...]
    support_tags: frozenset[str]


def read_guide(content_dir: Path) -> tuple[Guide | None, list[str]]:
    """Return the usable part of the safe-messaging file (None if absent or unreadable),
    and what is wrong with the rest."""
    path = content_dir / FILE
    if not path.is_symlink() and not path.exists():
        return None, []
    try:
        # As every content file is read: plain, inside content/, bounded, no YAML aliases.
        data = load_yaml(read_file(path, content_dir).decode("utf-8"))
    except ContentError as error:
        return None, [f"{FILE}: {error.message}"]
    except UnicodeDecodeError as error:
        return None, [f"{FILE}: cannot be read ({error.__class__.__name__})"]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = f": {error.problem}" if isinstance(error, YAMLRefused) else ""
        return None, [f"{FILE}: is not valid YAML{where}{problem}"]
    if not isinstance(data, dict):
        return None, [f"{FILE}: must have 'mentions:', 'support_tags:' and 'phrases:' lists"]
    found: list[str] = []
    mentions = _patterns(data["mentions"], "mentions", found) if "mentions" in data else ()
    tags = data.get("support_tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        found.append(f"{FILE}: support_tags: must be a list of tags, e.g. [crisis support]")
        tags = []
    phrases = []
    entries = data.get("phrases") or []
    if not isinstance(entries, list):
        found.append(f"{FILE}: phrases: must be a list of entries with phrase, suggestion, why")
        entries = []
    for number, entry in enumerate(entries, start=1):
        phrase = _phrase(entry, f"phrases[{number}]", found)
        if phrase is not None:
            phrases.append(phrase)
    guide = Guide(mentions, tuple(phrases), frozenset(topic_for(t).slug for t in tags))
    return guide, found


def _phrase(entry: object, where: str, found: list[str]) -> _Phrase | None:
    if not isinstance(entry, dict):
        found.append(f"{FILE}: {where}: must have 'phrase:', 'suggestion:' and 'why:'")
        return None
    unknown = sorted(set(map(str, entry)) - _PHRASE_FIELDS)
    if unknown:
        known = ", ".join(sorted(_PHRASE_FIELDS))
        found.append(f"{FILE}: {where}.{unknown[0]}: is not a field we use (known: {known})")
    missing = [name for name in ("suggestion", "why") if not isinstance(entry.get(name), str)]
    if missing:
        found.append(f"{FILE}: {where}.{missing[0]}: is required: a sentence for the writer")
        return None
    patterns = _patterns(entry.get("phrase"), f"{where}.phrase", found)
    if not patterns:
        return None
    near = entry.get("near_mentions", False)
    if not isinstance(near, bool):
        found.append(f"{FILE}: {where}.near_mentions: must be true or false, not '{near}'")
        return None
    return _Phrase(patterns, entry["suggestion"].strip(), entry["why"].strip(), near)


def _patterns(value: object, where: str, found: list[str]) -> tuple[Pattern, ...]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts:
        found.append(f"{FILE}: {where}: needs a pattern, or a list of them")
        return ()
    compiled = []
    for text in texts:
        try:
            compiled.append(compile_pattern(text))
        except PatternError as error:
            found.append(f"{FILE}: {where}: pattern {text!r} {error}")
    return tuple(compiled)


_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # a Markdown link's address is not its words


_TAG = re.compile(r"<[^>\n]*>")


@dataclass
class Field:
    """The words of one field of a file, as patterns match them, each with where it was."""

    name: str
    words: list[str]
    tokens: list[tuple[int, str]]  # (line, text as written) of each whitespace-split token
    token_of: list[int]  # the token each word came from

    def line(self, word: int) -> int:
        """Return the line the word is on."""
        return self.tokens[self.token_of[word]][0]

    def quote(self, start: int, end: int) -> str:
        """Return the words start..end as the writer wrote them."""
        first, last = self.token_of[start], self.token_of[end - 1]
        return " ".join(text for _, text in self.tokens[first : last + 1]).strip(_QUOTE_EDGES)


def field_lines(name: str, lines: Iterable[tuple[int, str]]) -> Field:
    found = Field(name, [], [], [])
    for number, line in lines:
        for token in line.split():
            found.tokens.append((number, token))
            for word in _folded(token):
                found.words.append(word)
                found.token_of.append(len(found.tokens) - 1)
    return found


def _article_fields(sources: Sources, source: str) -> list[Field]:
    """Return the title, summary and body of an article file, with their lines."""
    front = sources.front_matter(source)
    body = [(n, _TAG.sub(" ", _LINK_TARGET.sub("]", line))) for n, line in sources.body(source)]
    return [
        field_lines("title", front.get("title", [])),
        field_lines("summary", front.get("summary", [])),
        field_lines("body", body),
    ]


def _folded(token: str) -> list[str]:
    # Any number is "0" so that one pattern meets every amount; "40mg" is "0 mg".
    words = []
    for word in _words(token):
        number = _NUMBER.fullmatch(word)
        if number is None:
            words.append(word)
        else:
            words += ["0", number.group(2)] if number.group(2) else ["0"]
    return words


def _words(token: str) -> list[str]:
    # `normalise` for the plain ASCII most text is, at a fraction of the cost.
    if token.isascii():
        return _NOT_WORD.sub(" ", token.lower().replace("'", "").replace("`", "")).split()
    return normalise(token)


class Support:
    """What counts as support in an article's body, from site settings and the guide."""

    def __init__(self, site: dict[str, Any], guide: Guide, library: Library):
        links = list((site["banner"].get("links") or {}).values())
        for service in site["crisis"].get("services") or []:
            if isinstance(service, dict):
                links += service.get("links") or []
        phones = [link for link in links if _is_phone(link)]
        self.numbers = {re.sub(r"\D", "", str(link["href"]).split("?")[0]) for link in phones}
        self.numbers.discard("")
        self.shown = [str(link["text"]) for link in phones][:2]
        tagged = sorted(
            a.slug for a in library.articles.values()
            if guide.support_tags & {t.slug for t in a.topics}
        )  # fmt: skip
        listed = [slug for _, slug in support_article_fields(site["crisis"])]
        self.listed = [*listed, *tagged]  # the practice's own choice first
        self.articles = set(self.listed)

    def offered_by(self, article: Article) -> bool:
        """Say whether the article's body gives a number to call, or links to support."""
        if 'href="tel:' in article.body_html or 'href="sms:' in article.body_html:
            return True
        if self.articles.intersection(body_links(article)):
            return True
        for written in _PHONE_NUMBER.findall(article.body_text):
            groups = written.split()  # "116 123": any run of a number's groups may be it
            for start in range(len(groups)):
                for end in range(start + 1, min(start + 3, len(groups)) + 1):
                    if "".join(groups[start:end]) in self.numbers:
                        return True
        return False

    def advice(self, article: Article, line: int, mention: str) -> Advice:
        """Return the warning for an article that mentions suicide or self-harm unsupported."""
        ways = []
        if self.shown:
            ways.append("give a number to call (" + " or ".join(self.shown) + ")")
        if self.articles:
            ways.append(f"link to /articles/{self.listed[0]}")
        what = " or ".join(ways) or "say where to find help"
        return Advice(
            article.source, line, "body", f'mentions "{mention}" but offers no support: {what}'
        )


def _is_phone(link: object) -> bool:
    return isinstance(link, dict) and str(link.get("href", "")).startswith(("tel:", "sms:"))


def safe_messaging_advice(
    article: Article, guide: Guide, support: Support, sources: Sources
) -> list[Advice]:
    text = f"{article.title} {article.summary} {article.body_text}"
    haystack = text.casefold()
    for apostrophe in _APOSTROPHES:  # "don't" is "dont", as in patterns
        haystack = haystack.replace(apostrophe, "")
    mentions = [p for p in guide.mentions if _may_match(p, haystack)]
    phrases = [
        phrase
        for phrase in guide.phrases
        if (mentions or not phrase.near_mentions)
        and any(_may_match(p, haystack) for p in phrase.patterns)
    ]
    unsupported = bool(mentions) and not support.offered_by(article)
    if not phrases and not unsupported:
        return []  # most articles: their file is never read
    found = []
    for field in _article_fields(sources, article.source):
        spans = sorted(span for p in mentions for span in p.spans(field.words))
        for phrase in phrases:
            found += _phrase_advice(article, field, phrase, [start for start, _ in spans])
        if field.name == "body" and spans and unsupported:
            line, mention = field.line(spans[0][0]), field.quote(*spans[0])
            found.append(support.advice(article, line, mention))
    return found


def _phrase_advice(
    article: Article, field: Field, phrase: _Phrase, near: list[int]
) -> list[Advice]:
    found, seen = [], set()
    # At the same word, the longest match is quoted: "failed suicide attempt" in full.
    spans = sorted(
        (span for p in phrase.patterns for span in p.spans(field.words)),
        key=lambda span: (span[0], -span[1]),
    )
    for start, end in spans:
        if phrase.near_mentions and not any(abs(m - start) <= NEAR_WORDS for m in near):
            continue
        if any(start < done_end and done_start < end for done_start, done_end in seen):
            continue  # one warning for "failed suicide attempt", not one per pattern
        seen.add((start, end))
        message = f'"{field.quote(start, end)}": {phrase.suggestion}. Why: {phrase.why}.'
        found.append(Advice(article.source, field.line(start), field.name, message))
    return found


def _may_match(pattern: Pattern, haystack: str) -> bool:
    # Quick tests before an article is split into words with their lines (most articles
    # never are): a word of each choice must appear in the text, then the words in order,
    # loosely (any ending, any gap the pattern allows).
    slots = _slots(pattern.text)
    if not all(any(words[0] in haystack for words in slot) for slot, _ in slots if slot):
        return False
    return _loose(pattern.text).search(haystack) is not None


@lru_cache(maxsize=256)
def _slots(text: str) -> tuple[tuple[tuple[tuple[str, ...], ...], str], ...]:
    # For each word of the pattern: its choices, each a tuple of stems (no choices for a
    # number), and what separates it from the word before: "" (none), " " or a gap.
    slots = []
    before = ""
    for item in text.replace("\u2026", f" {GAP} ").split():
        if item == GAP:
            before = GAP
            continue
        choices = [tuple(map(_stem, normalise(c))) for c in item.strip("^$").split("|")]
        number = any(word.isdigit() for choice in choices for word in choice)
        slots.append(((() if number else tuple(choices)), before))
        before = " "
    return tuple(slots)


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("e") else word  # "overdos" meets "overdosing"


@lru_cache(maxsize=256)
def _loose(text: str) -> re.Pattern[str]:
    parts = []
    for choices, before in _slots(text):
        if before == GAP:
            parts.append(rf"\W+(?:\w+\W+){{0,{MAX_GAP}}}")
        elif before:
            parts.append(r"\W*")  # the spaces inside a pattern never matter: "selfharm"
        # Every word of a choice may take an ending, and may be run into the next.
        either = "|".join(r"\w*\W*".join(map(re.escape, c)) for c in choices) or r"\d+"
        parts.append(rf"(?:{either})\w*")
    return re.compile("".join(parts))  # no leading \b: it would make every search slow
