"""Every setting, config key and command a maintainer can use is documented in the README.

A key added to `webapp/config.py` or a command added to the CLI fails here until the README
says what it does, as Datasette's documentation tests do.
"""

from __future__ import annotations

import re

import pytest

from webapp import config, create_app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """Return the README's section under `## title`, up to the next one."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.M | re.S)
    assert found, f"README has no '## {title}' section"
    return found.group(1)


def documented_keys(text: str) -> set[str]:
    """Return every `code` word of a README section."""
    return set(re.findall(r"`([A-Za-z_][\w.]*)`", text))


@pytest.mark.parametrize("key", list(config.SITE_DEFAULTS))
def test_every_site_setting_is_documented(key):
    assert key in documented_keys(section("Settings")), f"content/site.yml key {key!r}"


@pytest.mark.parametrize(
    ("parent", "key"),
    [
        (parent, key)
        for parent, value in config.SITE_DEFAULTS.items()
        if isinstance(value, dict)
        for key in value
    ],  # fmt: skip
)
def test_every_nested_site_setting_is_documented(parent, key):
    assert key in documented_keys(section("Settings")), f"content/site.yml key {parent}.{key}"


@pytest.mark.parametrize("key", list(config.CONFIG_DEFAULTS))
def test_every_config_key_is_documented(key):
    assert key in documented_keys(section("Settings")), f"config key {key!r}"


def commands() -> list[str]:
    app = create_app({"INDEX_CHECK_INTERVAL": float("inf")})
    found = []
    for name, command in app.cli.commands.items():
        for sub in getattr(command, "commands", {}) or [None]:
            found.append(f"{name} {sub}" if sub else name)
    return found


@pytest.mark.parametrize("command", commands())
def test_every_cli_command_is_documented(command):
    table = section("Maintainer commands")
    assert re.search(rf"`{re.escape(command)}[` ]", table), f"flask --app wsgi {command}"
