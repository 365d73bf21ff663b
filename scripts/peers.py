"""The peer a practice would pick instead: Hugo builds the same corpus, Pagefind indexes it.

Hugo comes from Debian's package (`hugo`), Pagefind from npm, pinned in
scripts/peers/package.json and installed by `scripts/bench-deps.sh`. The site is the
articles as they are (Hugo reads the same YAML front matter; drafts stay out, as ours do)
with a minimal theme of three templates, so the build does what ours does: every article
to a page, plus the home page, the topic pages, the feed and the sitemap Hugo makes by
default. Each build starts from an empty output folder, as Hugo and Pagefind have no
incremental mode.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGEFIND = ROOT / "scripts" / "peers" / "node_modules" / ".bin" / "pagefind"
INSTALL = "sh scripts/bench-deps.sh"

CONFIG = """baseURL = "http://127.0.0.1/"
title = "Bench"
languageCode = "en-gb"
[taxonomies]
  tag = "tags"
"""
BASEOF = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>{{ block "main" . }}{{ end }}</body></html>
"""
SINGLE = """{{ define "main" }}<main data-pagefind-body><h1>{{ .Title }}</h1>
<p>{{ .Params.summary }}</p>{{ .Content }}</main>{{ end }}
"""
LIST = """{{ define "main" }}<main><h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul></main>{{ end }}
"""


def missing() -> str | None:
    """Name what the peer build lacks on this machine, or None when it can run."""
    lacking = [name for name, there in (("hugo", shutil.which("hugo")),
                                        ("pagefind", PAGEFIND.exists())) if not there]  # fmt: skip
    return " and ".join(lacking) or None


def hugo_version() -> str:
    """Return Hugo's and Pagefind's versions, as they report them."""
    hugo = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()
    pagefind = subprocess.run([str(PAGEFIND), "--version"], capture_output=True, text=True)
    return f"Hugo {hugo[1] if len(hugo) > 1 else '?'}, {pagefind.stdout.strip()}"


def write_site(content_dir: Path, site: Path) -> None:
    """Lay out a Hugo site whose articles are the corpus's article files."""
    shutil.rmtree(site, ignore_errors=True)
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (site / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in (("baseof.html", BASEOF), ("single.html", SINGLE), ("list.html", LIST)):
        (layouts / name).write_text(text, encoding="utf-8")
    shutil.copytree(content_dir / "articles", site / "content" / "articles")


def build(content_dir: Path, folder: Path) -> dict:
    """Build the corpus with Hugo, then index it with Pagefind; return seconds and sizes."""
    site = folder / "hugo-site"
    write_site(content_dir, site)
    public = site / "public"
    started = time.perf_counter()
    subprocess.run(["hugo", "--quiet", "--source", str(site), "--destination", str(public)],
                   check=True, capture_output=True, text=True)  # fmt: skip
    hugo_done = time.perf_counter()
    subprocess.run([str(PAGEFIND), "--site", str(public)], check=True, capture_output=True,
                   text=True)  # fmt: skip
    finished = time.perf_counter()
    pages = sum(1 for _ in (public / "articles").glob("*/index.html"))
    return {"hugo": hugo_done - started, "pagefind": finished - hugo_done,
            "total": finished - started, "pages": pages, "public": public}  # fmt: skip
