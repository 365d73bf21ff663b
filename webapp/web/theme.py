"""The practice's look from `theme:` in `content/site.yml`: colours checked for contrast, a
small stylesheet of CSS custom properties, and a logo SVG checked against an allow-list.

Colours become custom properties in a stylesheet served from our own origin and linked after
`style.css`, so no page needs an inline style and the CSP stays strict. Every pair of colours
a visitor reads (text, links, the banner, buttons) must reach WCAG 2.x's 4.5:1 in both
schemes; a pair that does not is refused with its ratio and the nearest shade that passes.
No Flask here.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from webapp.files import ContentError, read_file

MIN_CONTRAST = 4.5  # WCAG 2.x AA for body-size text
SCHEMES = ("light", "dark")
# What style.css uses today: the theme's defaults. `surface` (header, cards) is not themable
# but links and the site name sit on it, so pairs are checked against it too.
DEFAULTS = {
    "light": {
        "background": "#fbfaf7", "surface": "#ffffff", "text": "#1f2328", "accent": "#1f4237",
        "link": "#1f5a7a", "banner_background": "#fff1cc", "banner_text": "#3b2a00",
        "banner_link": "#5a1f00",
    },
    "dark": {
        "background": "#15181b", "surface": "#1c2024", "text": "#e9e6df", "accent": "#b5e2d3",
        "link": "#9cd0ef", "banner_background": "#3b2f10", "banner_text": "#fff1cc",
        "banner_link": "#ffd48a",
    },
}  # fmt: skip
# Each themable colour and the custom properties of style.css it sets.
PROPERTIES = {
    "background": ("--bg",),
    "text": ("--text",),
    "accent": ("--accent", "--accent-strong"),
    "link": ("--link",),
    "banner_background": ("--banner-bg",),
    "banner_text": ("--banner-text",),
    "banner_link": ("--banner-link",),
}
# (foreground, background, what a visitor reads there): the first is the colour a
# suggestion changes.
PAIRS = (
    ("text", "background", "text on the page background"),
    ("link", "background", "links on the page background"),
    ("link", "surface", "links on the header and cards"),
    ("accent", "surface", "the site name on the header"),
    # Buttons are the accent with the page background as their text: the same pair.
    ("accent", "background", "topic labels on the page, and button text on buttons"),
    ("banner_text", "banner_background", "the emergency banner's text"),
    ("banner_link", "banner_background", "the emergency banner's links"),
)
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
LOGO_MAX_BYTES = 100_000


@dataclass(frozen=True)
class Theme:
    """What pages link to: the stylesheet's text and the logo's bytes, each with a version."""

    css: str = ""
    logo: bytes | None = None

    @property
    def css_version(self) -> str:
        """Return a short hash of the stylesheet, for its URL."""
        return hashlib.sha256(self.css.encode()).hexdigest()[:12]

    @property
    def logo_version(self) -> str:
        """Return a short hash of the logo, for its URL."""
        return hashlib.sha256(self.logo or b"").hexdigest()[:12]


# --- colours -------------------------------------------------------------------------------


def parse_colour(value: str) -> tuple[int, int, int]:
    """Return the red, green and blue of a '#rgb' or '#rrggbb' colour."""
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def luminance(rgb: tuple[int, int, int]) -> float:
    """Return WCAG 2.x relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """Return the WCAG 2.x contrast ratio of two colours, from 1 to 21."""
    a, b = luminance(parse_colour(first)), luminance(parse_colour(second))
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def nearest_passing(colour: str, against: str) -> tuple[str, str] | None:
    """Return the shade of `colour` closest to it that reaches MIN_CONTRAST on `against`
    (mixed towards black or white, whichever needs less), and "darker" or "lighter"."""
    rgb = parse_colour(colour)
    found = []
    for target, word in (((0, 0, 0), "darker"), ((255, 255, 255), "lighter")):
        for step in range(1, 101):
            share = step / 100
            mixed = _hex(tuple(c + (t - c) * share for c, t in zip(rgb, target, strict=True)))
            if contrast(mixed, against) >= MIN_CONTRAST:
                found.append((step, mixed, word))
                break
    return min(found)[1:] if found else None


# --- settings -------------------------------------------------------------------------------


def colours(theme: Any) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Return the colours each scheme sets (valid ones only) and the problems found."""
    chosen: dict[str, dict[str, str]] = {scheme: {} for scheme in SCHEMES}
    problems: list[str] = []
    if theme in (None, {}):
        return chosen, problems
    if not isinstance(theme, dict):
        return chosen, ["site.yml: theme: must be fields such as 'light:', 'dark:' and 'logo:'"]
    for name in sorted(set(theme) - {*SCHEMES, "logo"}):
        problems.append(f"site.yml: theme.{name}: is not a theme field (known: dark, light, logo)")
    for scheme in SCHEMES:
        given = theme.get(scheme) or {}
        if not isinstance(given, dict):
            problems.append(f"site.yml: theme.{scheme}: must be colour fields such as 'link:'")
            continue
        for name, value in given.items():
            where = f"site.yml: theme.{scheme}.{name}"
            if name not in PROPERTIES:
                known = ", ".join(sorted(PROPERTIES))
                problems.append(f"{where}: is not a theme colour (known: {known})")
            elif not isinstance(value, str) or not HEX.match(value.strip()):
                problems.append(
                    f"{where}: '{value}' is not a colour: write it as #rrggbb in quotes, "
                    f'e.g. "{DEFAULTS[scheme][name]}"'
                )
            else:
                chosen[scheme][name] = value.strip().lower()
    return chosen, problems


def contrast_problems(scheme: str, chosen: dict[str, str]) -> list[str]:
    """Return a problem for each pair under MIN_CONTRAST in the scheme's colours."""
    effective = {**DEFAULTS[scheme], **chosen}
    problems = []
    for fore, back, what in PAIRS:
        ratio = contrast(effective[fore], effective[back])
        if ratio >= MIN_CONTRAST:
            continue
        # Change a colour the practice chose: the foreground if it did, else the background.
        change, keep = (fore, back) if fore in chosen or back not in chosen else (back, fore)
        field = f"site.yml: theme.{scheme}.{change}"
        message = (
            f"{field}: {what}: {effective[fore]} on {effective[back]} has a contrast of "
            f"{math.floor(ratio * 100) / 100:.2f}:1, under the {MIN_CONTRAST}:1 WCAG asks for text"
        )
        better = nearest_passing(effective[change], effective[keep])
        if better:
            message += f"; {better[0]} is the nearest {better[1]} shade that passes"
        problems.append(message)
    return problems


def problems(settings: dict[str, Any], content_dir: Path) -> list[str]:
    """Return every problem with the theme in site settings: colours, contrast and logo."""
    theme = settings.get("theme")
    chosen, found = colours(theme)
    for scheme in SCHEMES:
        found += contrast_problems(scheme, chosen[scheme])
    if isinstance(theme, dict) and theme.get("logo"):
        found += logo_problems(theme["logo"], content_dir)[1]
    return found


def stylesheet(chosen: dict[str, dict[str, str]]) -> str:
    """Return the custom properties that set the chosen colours, per scheme."""
    blocks = []
    for scheme in SCHEMES:
        lines = [
            f"  {prop}: {value};"
            for name, value in chosen[scheme].items()
            for prop in PROPERTIES[name]
        ]
        if not lines:
            continue
        block = ":root {\n" + "\n".join(lines) + "\n}\n"
        if scheme == "dark":
            block = "@media (prefers-color-scheme: dark) {\n" + block + "}\n"
        blocks.append(block)
    return "".join(blocks)


def load(settings: dict[str, Any], content_dir: Path) -> tuple[Theme, list[str]]:
    """Return the theme to serve, leaving out what has problems, and those problems.

    A scheme with any colour problem keeps style.css's colours (which pass), so a site never
    serves text that fails contrast because a file was published unchecked.
    """
    theme = settings.get("theme")
    chosen, found = colours(theme)
    for scheme in SCHEMES:
        failing = contrast_problems(scheme, chosen[scheme])
        if failing:
            chosen[scheme] = {}
        found += failing
    logo = None
    if isinstance(theme, dict) and theme.get("logo"):
        logo, logo_found = logo_problems(theme["logo"], content_dir)
        found += logo_found
    return Theme(stylesheet(chosen), logo), found


# --- logo -----------------------------------------------------------------------------------

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
# Shapes, groups, gradients and text alternatives: enough for a logo, nothing that runs,
# loads or styles anything.
ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "title",
    "desc", "defs", "linearGradient", "radialGradient", "stop",
}  # fmt: skip
ATTRIBUTES = {
    "id", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
    "rx", "ry", "fx", "fy", "d", "points", "transform", "fill", "fill-opacity", "fill-rule",
    "clip-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
    "opacity", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "spreadMethod", "preserveAspectRatio", "version", "role", "aria-label", "aria-hidden",
    "focusable", "href",
}  # fmt: skip
LOCAL_URL = re.compile(r"url\(\s*#[A-Za-z][\w.-]*\s*\)")


def logo_problems(value: Any, content_dir: Path) -> tuple[bytes | None, list[str]]:
    """Return the logo's bytes when it is a safe SVG inside `content_dir`, and its problems."""
    where = "site.yml: theme.logo"
    if not isinstance(value, str) or not value.lower().endswith(".svg"):
        return None, [f"{where}: must be the path of an .svg file inside content/"]
    root = content_dir.resolve()
    path = (content_dir / value).resolve()
    if not path.is_relative_to(root):
        return None, [f"{where}: '{value}' is outside content/: put the logo inside it"]
    try:
        # As every content file is read: never a pipe, a device or a link out of content/.
        data = read_file(path, content_dir, limit=LOGO_MAX_BYTES)
    except ContentError as error:
        return None, [f"{where}: '{value}' {error.message}"]
    found = [f"{where}: '{value}': {problem}" for problem in svg_problems(data)]
    return (None if found else data), found


def svg_problems(data: bytes) -> list[str]:
    """Return why an SVG is not a plain drawing (script, links out, styles, DTDs), if it is
    not."""
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        return ["has a DOCTYPE or ENTITY declaration, which a logo does not need: remove it"]
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return [f"is not well-formed XML ({error})"]
    if root.tag != f"{{{SVG}}}svg":
        return ["is not an SVG image (its first element must be <svg> in the SVG namespace)"]
    found: list[str] = []
    for element in root.iter():
        namespace, _, name = element.tag.rpartition("}")
        if namespace.lstrip("{") != SVG or name not in ELEMENTS:
            found.append(f"has a <{name}> element, which is not allowed in a logo")
            continue
        for attribute, text in element.attrib.items():
            found += _attribute_problems(name, attribute, text)
    return list(dict.fromkeys(found))


def _attribute_problems(element: str, attribute: str, text: str) -> list[str]:
    namespace, _, name = attribute.rpartition("}")
    if namespace.lstrip("{") == XLINK and name == "href" or not namespace and name == "href":
        if not text.strip().startswith("#"):
            return [f"<{element}> links to '{text}': a logo may refer only to itself (#id)"]
        return []
    if name.lower().startswith("on"):
        return [f"<{element}> has an event handler ({name}), which runs script"]
    if namespace or name not in ATTRIBUTES:
        return [f"<{element}> has a '{name}' attribute, which is not allowed in a logo"]
    if "url(" in text and not LOCAL_URL.fullmatch(text.strip()):
        return [f"<{element}> {name}='{text}' points outside the logo"]
    return []
