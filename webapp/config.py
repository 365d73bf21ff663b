"""Defaults for the app's config and for the practice's site settings, in one place.

Two layers, each with its defaults here:
- App config (UPPERCASE keys): paths and limits. `create_app(mapping)` and `FLASK_*`
  environment variables override them.
- Site settings: the words and numbers a practice changes without touching code (site name,
  banner, crisis support, related-articles intro, quick exit). They live in `content/site.yml`;
  anything it leaves out falls back to `SITE_DEFAULTS`.
"""

from __future__ import annotations

import copy
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from webapp.files import ContentError, load_yaml, printable, read_file

if TYPE_CHECKING:
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent

CONFIG_DEFAULTS: dict[str, Any] = {
    "CONTENT_DIR": str(PROJECT_ROOT / "content"),
    "INDEX_DIR": str(PROJECT_ROOT / "index"),
    "SEARCH_MAX_QUERY_LENGTH": 200,
    "SEARCH_PAGE_SIZE": 10,
    "LIST_PAGE_SIZE": 10,
    # Newest articles in the Atom feed: readers poll it, so it stays small at any library size.
    "FEED_ENTRIES": 20,
    # Seconds between checks for a newly built index, made by a background thread that warms
    # the new generation before serving it; 0 checks on every request, in the request.
    "INDEX_CHECK_INTERVAL": 1.0,
    "STATIC_MAX_AGE": 365 * 24 * 3600,
    "PAGE_MAX_AGE": 300,
}

SITE_SETTINGS_FILE = "site.yml"

SITE_DEFAULTS: dict[str, Any] = {
    "name": "Sample Therapy Practice",
    "tagline": "Articles about therapy and wellbeing",
    "base_url": "http://127.0.0.1:5000",
    "language": "en-GB",
    "welcome": "Articles about therapy and wellbeing.",
    "banner": {
        "label": "Emergency help",
        "text": (
            "This is not an emergency service. In case of emergency call {emergency} "
            "or contact {support} on {support_phone} (free, 24/7)."
        ),
        "links": {
            "emergency": {"text": "112", "href": "tel:112"},
            "support": {"text": "Samaritans", "href": "https://www.samaritans.org/"},
            "support_phone": {"text": "116 123", "href": "tel:116123"},
        },
    },
    "crisis": {
        "heading": "You don't have to face this alone",
        "intro": "If you are thinking about ending your life or harming yourself, "
        "help is available right now.",
        "services": [],
        "articles": [],
        "not_when": [],
        "terms": [],
        "families": [],
    },
    "related_intro": "Other articles on similar themes.",
    "review_interval_years": 3,
    # The practice's colours and logo (see theme.py); empty keeps style.css's own.
    "theme": {},
    "quick_exit": {
        "enabled": False,
        "url": "https://www.bbc.co.uk/weather",
        "label": "Quick exit",
    },
}


@dataclass(frozen=True)
class BannerPart:
    """A run of banner text, linked when `href` is set."""

    text: str
    href: str | None = None


class SettingsError(Exception):
    """The site settings file cannot be used; the message names the file and field."""


def load_site_settings(content_dir: Path) -> dict[str, Any]:
    """Return site settings from `content/site.yml` merged over the defaults."""
    path = content_dir / SITE_SETTINGS_FILE
    settings = copy.deepcopy(SITE_DEFAULTS)
    if not path.exists() and not path.is_symlink():
        return settings
    try:
        # As content files are read: a plain file inside the content folder, of a bounded
        # size, with no YAML aliases (see content.load_yaml).
        loaded = load_yaml(read_file(path, content_dir).decode("utf-8")) or {}
    except ContentError as error:
        raise SettingsError(f"{printable(str(path))}: {error.message}") from None
    except UnicodeDecodeError as error:
        shown = printable(str(path))
        raise SettingsError(f"{shown}: is not UTF-8 text (byte {error.start})") from None
    except yaml.YAMLError as error:
        # Only the parser's own words and the line: its full message quotes the text.
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise SettingsError(
            f"{printable(str(path))}: is not valid YAML{where}: {printable(problem)}"
        ) from None
    if not isinstance(loaded, dict):
        raise SettingsError(f"{path}: must be a list of 'field: value' lines")
    _merge(settings, loaded)
    banner_parts(settings)  # fail at load, not on the first page view
    return settings


def banner_parts(settings: dict[str, Any]) -> list[BannerPart]:
    """Split the banner sentence into text and links, in order."""
    banner = settings["banner"]
    links = banner.get("links", {})
    parts: list[BannerPart] = []
    for literal, name, _spec, _conv in string.Formatter().parse(banner["text"]):
        if literal:
            parts.append(BannerPart(literal))
        if name is None:
            continue
        if name not in links:
            raise SettingsError(
                f"{SITE_SETTINGS_FILE}: banner.text: uses {{{name}}} but banner.links has no "
                f"'{name}' entry"
            )
        parts.append(BannerPart(str(links[name]["text"]), str(links[name]["href"])))
    return parts


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def init_app(app: Flask) -> None:
    """Load the site settings once and make them available to every template as `site`."""
    site = load_site_settings(Path(app.config["CONTENT_DIR"]))
    app.extensions["site_settings"] = site
    app.jinja_env.globals["site"] = site
    app.jinja_env.globals["banner_parts"] = banner_parts(site)
