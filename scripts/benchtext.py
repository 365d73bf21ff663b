"""The prose of docs/performance.md around the figures: what each row measures and how."""

from __future__ import annotations

from pathlib import Path

import benchserve
import chromium_visits
import wrkload

INTRO = (
    "Measured by `make bench` (`scripts/bench.py`); rerun it to refresh this page. Numbers "
    "come from one run on a shared machine: while other work runs, times grow by up to "
    "half or more (see the load averages), so compare rows of one run. Headline rows (bold) "
    "are what a maintainer waits for; the rows under them are their phases."
)


def models() -> str:
    """Return the paragraph above the worker models' table."""
    return (
        "Each model serves the same corpus with `gunicorn.conf.py`, changed only by the command "
        "line arguments or environment named. " + sockets() + " Memory: each model alone on "
        "the machine, read after loading "
        f"article pages and searches ({benchserve.MODEL_SECONDS:g} s each, after a warm-up). "
        "RSS added over the master and its workers counts a page shared by several processes "
        "once in each; PSS divides it among them, so PSS is what the server takes from the "
        "machine. Rates: a new connection per request (`Connection: close`), as nginx in "
        "deploy/ connects to the app (wrk's 16 kept-alive connections, opened at once, often "
        "all land in one gthread worker, which then serves alone on one core); every model "
        "serving at once and loaded in turn, "
        f"{benchserve.MODEL_ROUNDS} rounds of {benchserve.MODEL_SECONDS:g} s per route; each "
        "is the median over the rounds, and its ratio the median of its rate ÷ the defaults' "
        "(the first row) in the same round, since the machine's speed drifts within a minute."
    )


def sockets() -> str:
    """Say how the defaults' workers listened on this machine, and why."""
    try:
        setting = Path("/proc/sys/net/ipv4/tcp_migrate_req").read_text("ascii").strip()
    except OSError:
        setting = "not available"
    shared = setting != "1"
    return (
        f"Here `net.ipv4.tcp_migrate_req` is {setting}, so the defaults' workers "
        + ("share one listening socket; the last row gives each its own (SO_REUSEPORT), as "
           "they have where deploy/sysctl/90-webapp.conf is installed."
           if shared else "each listen on a socket of their own (SO_REUSEPORT).")
    )  # fmt: skip


def how(sizes: list[int], results: dict, queries) -> list[str]:
    """Return the bullet points of 'How it is measured'."""
    words = ", ".join(f"{results[s]['words']:.0f} ({s:,})" for s in sizes)
    first = [results[s].get("peer first search") for s in sizes]
    first.append((results[max(sizes)].get("http") or {}).get("first search"))
    searches = max((m["searches"] for m in first if m), default=0)
    return [
        "- Corpus: generated articles of real English prose assembled from the docstrings of "
        "Python's standard library and the project's installed packages and from Debian's "
        f"manual pages (sections 1, 5, 7, 8); words per file on average: {words}. Each has "
        "front matter, 1-3 of ten topics, one of two authors, headings, lists and links; 1% "
        "are drafts.",
        "- Builds: `flask --app wsgi index rebuild` and `index update` run as subprocesses, "
        "as a maintainer runs them, timed from start to exit: interpreter and app start-up, "
        "the build, the switch and pre-rendering the pages all included. Their phases come "
        "from the command's own summary lines (the build's seconds, its own phases from its "
        "'Phases:' line, and pre-rendering's), the rest is start-up, checks and what lies "
        "between. The rebuild runs first into an empty "
        "index folder, then again with nothing changed (rendered Markdown and unchanged pages "
        "reused); then three updates, each after appending a sentence to one article.",
        "- Peer: Hugo (Debian's package) builds the same article files with a three-template "
        "theme into an empty folder, then `pagefind --site public` (npm, pinned in "
        "scripts/peers/package.json) indexes the output; each timed whole.",
        f"- Search: {len(queries)} queries (words, two words, phrases, questions, typos, "
        "2-5 letter prefixes of the last word), 3 rounds, each round with a newly opened "
        "searcher (the English word list for misspellings is loaded once per process "
        "beforehand, as a server's worker loads it before serving). Whoosh: "
        "`SearchIndex.search`, which returns the total, the first page and its snippets. "
        "FTS5: Python's `sqlite3`, `porter unicode61` tokenizer, `bm25` with "
        "title weight 3, a `count(*)` plus the first 10 rows with `snippet()` on the body; "
        "prefixes as `word*`; once as documented and once with `prefix='2 3 4 5'`, FTS5 at "
        "its best for as-you-type prefixes.",
        f"- Served: gunicorn with `gunicorn.conf.py`, WEB_CONCURRENCY={benchserve.WORKERS} "
        "(its worker class and threads), on 127.0.0.1, loaded by wrk (one thread, "
        f"{wrkload.CONNECTIONS} connections, keep-alive asked for), pinned with `taskset` to "
        "the last core, "
        f"{benchserve.HTTP_SECONDS:.0f} s per route after a short warm-up, with "
        "`Accept-Encoding: gzip`. p50/p95/p99 are wrk's latency percentiles. The constant "
        "route is loaded first and again after the other routes; a row's ratio is to the "
        "mean of the two. The served goals use paired rounds instead: after those rows, "
        f"{benchserve.PAIRED_ROUNDS} rounds of the constant route, the article page and the "
        f"related fragment, {benchserve.PAIRED_SECONDS:.0f} s each, and each route's ratio is "
        "the median over the rounds of its rate ÷ the constant route's in the same round, "
        "since the machine's speed drifts over minutes. Article and related URLs cycle "
        "through every public article in a "
        "shuffled order. The 'rendered on request' rows come from a separate server run with "
        "the page cache off (`PAGE_CACHE_BYTES=0`) and the pre-rendered pages hidden, against "
        "its own constant route: what every visitor gets after a code deploy. The 'again and "
        "again' rows request one article, as a popular page is. The constant route is added "
        "by a wrapper module the script writes to its temporary folder; it goes through the "
        "same app, hooks and headers. Without wrk, a Python client (a new connection per "
        "request, sharing the cores with the server) loads the routes, and the rows say so.",
        "- First searches after publishing: one sync worker, warm (every query once), times "
        f"{benchserve.FIRST_SEARCHES} queries one after another; then `index update` runs "
        "for one changed article, and once the worker serves the new generation (it opens "
        "and warms it in the background, serving the old meanwhile; `/healthz` is asked every "
        "50 ms) the same queries are timed again on it.",
        f"- First visit: {benchserve.FIRST_VISITS} article pages opened in Debian's Chromium "
        "(Playwright), each in a new browser context (an empty cache), scrolled to the related "
        "panel so it loads; every response's headers and body as received (compressed) are "
        "added up, assets included.",
        f"- First search: each of {searches} queries (words and two words) typed, a key "
        f"every {chromium_visits.TYPING_DELAY_MS} ms, into the search box of a search page "
        "opened in a new Chromium context; everything received (headers and bodies as sent) "
        "is added up from opening the page until results show and no request follows for "
        f"{chromium_visits.QUIET_MS} ms. This site: its `/search` page, served as above. "
        "Hugo + Pagefind: a search page with Pagefind's own search box "
        "(`PagefindUI`, its defaults but sub-results), the built site served by a static "
        "server that gzips text (HTML, CSS, JavaScript, JSON) as a host would; Pagefind's "
        "index files are compressed already.",
        "- Memory: RSS and PSS from `/proc/PID/smaps_rollup`, added over the gunicorn master "
        "and its workers; peak RSS of a worker is `VmHWM`. After updates: the server with "
        "`gunicorn.conf.py` defaults, article pages and searches loaded for "
        f"{benchserve.MODEL_SECONDS:g} s each, read; then {benchserve.UPDATES_FOR_MEMORY} "
        "times: a sentence appended to one article, `index update`, a wait until no worker "
        "answers `/healthz` from the old generation, the same load, read again.",
    ]
