"""Front matter read and each field checked: the file's YAML, then text, date, flag, tag and
resource fields, every problem naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from webapp.files import ContentError, SafeLoader, load_yaml, quoted, read_file
from webapp.model import Resource, Topic, topic_for


class _TextDatesLoader(SafeLoader):
    """YAML loader that leaves dates as text, so we can say which field holds a bad one."""


# PyYAML turns `date: 2026-13-45` into an exception with no field name; without the timestamp
# resolver it stays a string and `date_field` explains the problem.
_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# What YAML's parser says when something opened is never closed, in a maintainer's words.
_UNCLOSED = {
    "while scanning a quoted scalar": "a quotation mark opened here is never closed",
    "while parsing a flow sequence": "a list opened with '[' here is never closed with ']'",
    "while parsing a flow mapping": "a '{' opened here is never closed with '}'",
}


class _FrontMatterHandler(frontmatter.YAMLHandler):
    def load(self, fm: str, **_: Any) -> Any:
        return load_yaml(fm, _TextDatesLoader)


def markdown_files(folder: Path) -> Iterable[Path]:
    # Shallower files first, so a stray copy in a subfolder never displaces the original.
    if not folder.is_dir():
        return []
    return sorted(folder.rglob("*.md"), key=lambda p: (len(p.parts), str(p)))


def display_path(path: Path, content_dir: Path) -> str:
    try:
        return str(Path(content_dir.name) / path.relative_to(content_dir))
    except ValueError:
        return str(path)


def read_front_matter(path: Path, content_dir: Path) -> tuple[dict[str, Any], str]:
    try:
        text = read_file(path, content_dir).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(
            None, f"is not UTF-8 text (byte {error.start}); save the file as UTF-8"
        ) from None
    if not text.lstrip("\ufeff").startswith("---"):
        raise ContentError(
            "front matter", "is missing: start the file with '---', the fields, then '---'"
        )
    try:
        # `parse`, not `loads`: its Post takes the fields as keywords, and a field named by a
        # number (`1: x`) is no keyword (a TypeError).
        meta, body = frontmatter.parse(text.lstrip("\ufeff"), handler=_FrontMatterHandler())
    except yaml.YAMLError as error:
        # Where the broken part starts (an unclosed bracket or quote), else where the parser
        # stopped, which for those is only the end of the front matter. The front matter's
        # text starts at the end of the "---" line: its line 0 is line 1 of the file.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = _UNCLOSED.get(getattr(error, "context", None) or "") or (
            getattr(error, "problem", None) or "cannot be parsed"
        )
        raise ContentError("front matter", f"is not valid YAML{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise ContentError("front matter", "must be a list of 'field: value' lines")
    return dict(meta), body


def required_text(meta: dict[str, Any], name: str) -> str:
    value = optional_text(meta, name)
    if not value:
        raise ContentError(name, "is required and missing or empty")
    return value


def optional_text(meta: dict[str, Any], name: str) -> str | None:
    value = meta.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ContentError(name, f"must be text, not {type(value).__name__}")
    return " ".join(str(value).split()) or None


def date_field(meta: dict[str, Any], name: str, required: bool = False) -> dt.date | None:
    value = meta.get(name)
    if value is None or value == "":
        if required:
            raise ContentError(name, "is required: write it as YYYY-MM-DD, e.g. 2026-03-14")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ContentError(
            name, f"{quoted(value)} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14"
        ) from None


def flag(meta: dict[str, Any], name: str) -> bool:
    value = meta.get(name, False)
    if not isinstance(value, bool):
        raise ContentError(name, f"must be true or false, not {quoted(value)}")
    return value


def topics_field(meta: dict[str, Any]) -> tuple[Topic, ...]:
    value = meta.get("tags") or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError("tags", "must be a list of words, e.g. [anxiety, self-care]")
    topics = {}
    for name in value:
        topic = topic_for(name)
        if not topic.slug:
            # Its page would be /topics/, the list of all topics, shared with every other
            # such tag.
            raise ContentError(
                "tags",
                f"{quoted(name)} has no letters or digits to make the topic's address from: "
                "write the tag in words, e.g. anxiety",
            )
        topics[topic.slug] = topic
    return tuple(topics.values())


def resources_field(meta: dict[str, Any]) -> tuple[Resource, ...]:
    value = meta.get("resources") or []
    if not isinstance(value, list):
        raise ContentError("resources", "must be a list of entries with title, url and note")
    resources = []
    for number, item in enumerate(value, start=1):
        where = f"resources[{number}]"
        if not isinstance(item, dict):
            raise ContentError(where, "must have 'title:' and 'url:' (and optionally 'note:')")
        title, url = optional_text(item, "title"), optional_text(item, "url")
        if not title:
            raise ContentError(f"{where}.title", "is required")
        if not url or not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            raise ContentError(f"{where}.url", f"{quoted(url or '')} is not a full http(s) address")
        resources.append(Resource(title, url, optional_text(item, "note") or ""))
    return tuple(resources)
