"""Write docs/performance.md from one benchmark run: goals, machine, results, how measured."""

from __future__ import annotations

import math
import statistics

from pyclient import percentile

KIB = 1024
MIB = 2**20
UPDATE_GOAL = 1.0  # seconds, for the update itself
SEARCH_GOAL = 3.0  # p95 × FTS5 with prefix indexes
SERVED_GOAL = 0.7  # × the constant route
VISIT_GOAL = 30  # KiB with headers, the heaviest visit
COLD_GOAL, COLD_MAX = 1.5, 100.0  # × warm p95, ms
MEMORY_GOAL = 600  # MB RSS, whole server, default config
THROUGHPUT_GOAL = 0.9  # × the throughput of the worker model before (MODELS[1])
BEST_FTS5 = "FTS5 with prefix='2 3 4 5'"


def fmt_ms(values: list[float]) -> str:
    """Return 'p50 / p95' in milliseconds."""
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}"


def verdict(ok: bool | None) -> str:
    """Say whether a goal was met; blank when it was not measured."""
    return "not measured" if ok is None else ("yes" if ok else "**no**")


def worst_update(found: dict) -> dict:
    """Return the slowest of the `index update` runs, whole command."""
    return max(found["update"], key=lambda run: run["wall"])


def constant_rps(http: dict, uncached: bool) -> float:
    """Return the constant route's rate the rows of one server run are compared with."""
    if uncached:
        return http["constant route, uncached server"]["rps"]
    return (http["constant route"]["rps"] + http["constant route, again at the end"]["rps"]) / 2


def ratio(http: dict, name: str) -> float:
    """Return a route's rate ÷ the constant route's on the same server."""
    uncached = "on request" in name or "uncached" in name
    return http[name]["rps"] / constant_rps(http, uncached)


def paired_ratios(http: dict, name: str) -> list[float] | None:
    """Return a route's rate ÷ the constant route's loaded just before it, round by round
    (None for results from before the paired rounds)."""
    paired = http.get("paired")
    if not paired or name not in paired:
        return None
    return [rps / base for rps, base in zip(paired[name], paired["constant route"], strict=True)]


def all_ms(found: dict, engine: str, kind: str = "all") -> list[float]:
    """Return one engine's milliseconds for one kind of query, or for all."""
    return [x for k, v in found[engine].items() if kind in ("all", k) for x in v]


def goals(sizes: list[int], results: dict) -> list[list[str]]:
    """Return [goal, target, figure, met] for each goal of issue 18, at the largest size."""
    big = max(sizes)
    found = results[big]
    rows = [rebuild_goal(found), update_goal(found), search_goal(found)]
    http = found.get("http")
    for name in ("article page", "related fragment"):
        rounds = paired_ratios(http, name) if http else None
        if rounds:
            value = statistics.median(rounds)
            figure = (f"{value:.2f}× (median of {len(rounds)} paired rounds: "
                      + ", ".join(f"{r:.2f}×" for r in rounds) + ")")  # fmt: skip
        else:
            value = ratio(http, name) if http else None
            figure = f"{value:.2f}×" if http else ""
        met = verdict(value >= SERVED_GOAL if http else None)
        rows.append([f"served {name}", f"≥ {SERVED_GOAL:g}× constant route", figure, met])
    rows += [visit_goal(http), cold_goal(found.get("first searches")),
             memory_goal(found.get("models")),
             memory_after_updates_goal(found.get("memory after updates")),
             throughput_goal(found.get("models"))]  # fmt: skip
    if big < 10_000:
        for row in rows:
            row[2] += f" (at {big:,} articles)" if row[2] else ""
    return rows


def rebuild_goal(found: dict) -> list[str]:
    """The full rebuild against the peer's full build."""
    peer, rebuild = found.get("peer"), found["rebuild"]["wall"]
    figure = f"{rebuild:.1f} s" + (f" against {peer['total']:.1f} s" if peer else "")
    return ["full `index rebuild`, whole command", "≤ Hugo + Pagefind, same corpus", figure,
            verdict(rebuild <= peer["total"] if peer else None)]  # fmt: skip


def update_goal(found: dict) -> list[str]:
    """The update of one article (the goal was set for the update itself)."""
    update = worst_update(found)
    figure = f"{update['core']:.2f} s (whole command {update['wall']:.2f} s), worst of 3"
    return ["`index update` of one article", f"≤ {UPDATE_GOAL:g} s for the update itself",
            figure, verdict(update["core"] <= UPDATE_GOAL)]  # fmt: skip


def search_goal(found: dict) -> list[str]:
    """Search p95 against FTS5 at its best."""
    whoosh = percentile(all_ms(found, "whoosh"), 0.95)
    value = whoosh / percentile(all_ms(found, BEST_FTS5), 0.95)
    return ["search p95, all queries", f"≤ {SEARCH_GOAL:g}× {BEST_FTS5}", f"{value:.1f}×",
            verdict(value <= SEARCH_GOAL)]  # fmt: skip


def visit_goal(http: dict | None) -> list[str]:
    """The heaviest first visit in Chromium, headers included."""
    goal = ["first visit to an article (Chromium, headers included)", f"≤ {VISIT_GOAL} KiB"]
    if not http:
        return [*goal, "", verdict(None)]
    visit = http["first visit"]
    figure = f"mean {visit['mean'] / KIB:.1f}, max {visit['max'] / KIB:.1f} KiB"
    figure += f" over {visit['articles']} articles"
    return [*goal, figure, verdict(visit["max"] <= VISIT_GOAL * KIB)]


def cold_goal(cold: dict | None) -> list[str]:
    """The first searches on a worker that just switched to a new generation."""
    goal = ["first 50 searches on a freshly switched worker",
            f"p95 ≤ {COLD_GOAL:g}× warm p95, max ≤ {COLD_MAX:.0f} ms"]  # fmt: skip
    if not cold:
        return [*goal, "", verdict(None)]
    figure = (f"p95 {cold['fresh p95']:.1f} ms (warm {cold['warm p95']:.1f} ms), "
              f"max {cold['fresh max']:.1f} ms")  # fmt: skip
    fast = cold["fresh p95"] <= COLD_GOAL * cold["warm p95"] and cold["fresh max"] <= COLD_MAX
    return [*goal, figure, verdict(fast)]


def memory_goal(models: dict | None) -> list[str]:
    """The whole server's memory with the default config."""
    # Measured on a server that has not switched generation; `memory_after_updates_goal`
    # measures the same server after `index update`s.
    goal = ["whole server's memory, gunicorn.conf.py defaults, before any switch",
            f"≤ {MEMORY_GOAL} MB RSS"]  # fmt: skip
    if not models:
        return [*goal, "", verdict(None)]
    memory = next(iter(models.values()))["memory"]
    figure = (f"{memory['rss'] / MIB:.0f} MB RSS ({memory['pss'] / MIB:.0f} MB PSS), "
              f"{memory['processes']} processes")  # fmt: skip
    return [*goal, figure, verdict(memory["rss"] <= MEMORY_GOAL * MIB)]


def throughput_goal(models: dict | None) -> list[str]:
    """The defaults' throughput against the worker model they replaced, round by round."""
    goal = ["the defaults' throughput, a new connection per request",
            f"≥ {THROUGHPUT_GOAL:g}× sync workers, two per core (the defaults before)"]  # fmt: skip
    if not models or len(models) < 2:
        return [*goal, "", verdict(None)]
    defaults, before = (model["rounds"] for model in list(models.values())[:2])
    rounds = {route: round_ratios(defaults[route], before[route]) for route in defaults}
    found = {route: statistics.median(ratios) for route, ratios in rounds.items()}
    figure = ", ".join(
        f"{route} {found[route]:.3f}× (median of {len(ratios)} rounds: "
        + ", ".join(f"{ratio:.2f}×" for ratio in ratios) + ")"
        for route, ratios in rounds.items()
    )  # fmt: skip
    return [*goal, figure, verdict(min(found.values()) >= THROUGHPUT_GOAL)]


def memory_after_updates_goal(memory: dict | None) -> list[str]:
    """The whole server's memory with the default config after `index update`s."""
    goal = ["the same after `index update`s, with articles and searches loaded throughout",
            f"≤ {MEMORY_GOAL} MB RSS"]  # fmt: skip
    if not memory:
        return [*goal, "", verdict(None)]
    before, *after = (rss / MIB for rss in memory["rss"])
    figure = (f"{before:.0f} MB RSS before, then "
              + ", ".join(f"{value:.0f}" for value in after)
              + f" MB after {len(after)} updates, one by one")  # fmt: skip
    return [*goal, figure, verdict(max(after) <= MEMORY_GOAL)]


def build_rows(sizes: list[int], results: dict, row) -> None:
    """Add the build rows: each command whole, then its phases."""

    def cells(pick) -> list[str]:
        return [pick(results[s]) for s in sizes]

    for key, label in (("rebuild", "`index rebuild` from scratch"),
                       ("rebuild again", "`index rebuild` again, content unchanged")):  # fmt: skip
        row(f"**{label}, whole command, s**", cells(lambda f, k=key: f"**{f[k]['wall']:.1f}**"))
        phases(row, cells, lambda f, k=key: f[k])
    row("**`index update` of one changed article, whole command, s (worst of 3)**",
        cells(lambda f: f"**{worst_update(f)['wall']:.2f}**"))  # fmt: skip
    phases(row, cells, worst_update)
    if all("peer" in results[s] for s in sizes):
        row("**Hugo + Pagefind, full build, s**", cells(lambda f: f"**{f['peer']['total']:.1f}**"))
        row("— `hugo`, s", cells(lambda f: f"{f['peer']['hugo']:.1f}"))
        row("— `pagefind --site public`, s", cells(lambda f: f"{f['peer']['pagefind']:.1f}"))
    else:
        row("Hugo + Pagefind, full build", ["not run (see Machine)"] * len(sizes))


def phases(row, cells, run) -> None:
    """Add the rows of one command's phases."""
    row("— the build, as the command reports it, s", cells(lambda f: f"{run(f)['core']:.2f}"))
    # The build's own phases, as it reports them (none in results from before it did).
    reported = cells(lambda f: run(f).get("phases", {}))
    for phase in dict.fromkeys(name for found in reported for name in found):
        row(f"— — of which {phase}, s", [f"{found.get(phase, math.nan):.2f}" for found in reported])
    row("— pre-rendering pages, s",
        cells(lambda f: f"{run(f)['prerender']:.1f} ({run(f)['rendered']:,} rendered, "
                        f"{run(f)['copied']:,} copied)"))  # fmt: skip
    row("— start-up, checks and the rest, s", cells(lambda f: f"{run(f)['rest']:.2f}"))


def search_rows(sizes: list[int], results: dict, queries, row) -> None:
    """Add per-kind search rows: Whoosh, both FTS5 tables, and the p95 ratios."""
    kinds = list(dict.fromkeys(kind for kind, _, _ in queries))
    for kind in [*kinds, "all"]:
        n = sum(1 for k, _, _ in queries if kind in ("all", k))
        row(f"search, {kind} ({n} queries), Whoosh p50 / p95 ms",
            [fmt_ms(all_ms(results[s], "whoosh", kind)) for s in sizes])  # fmt: skip
        for engine in ("FTS5", BEST_FTS5):
            row(f"search, {kind}, {engine} p50 / p95 ms",
                [fmt_ms(all_ms(results[s], engine, kind)) for s in sizes])  # fmt: skip
            ratios = [
                percentile(all_ms(results[s], "whoosh", kind), 0.95)
                / percentile(all_ms(results[s], engine, kind), 0.95)
                for s in sizes
            ]
            row(f"search, {kind}, p95 Whoosh ÷ {engine}", [f"{r:.1f}×" for r in ratios])
    for engine in ("FTS5", BEST_FTS5):
        row(f"{engine} build (for comparison), s",
            [f"{results[s][engine + ' build']:.1f}" for s in sizes])  # fmt: skip


SERVED = ("constant route", "article page", "related fragment",
          "article page, one article again and again",
          "related fragment, one article again and again", "search fragment",
          "constant route, again at the end", "constant route, uncached server",
          "article page, rendered on request", "related fragment, rendered on request")  # fmt: skip


def served_rows(sizes: list[int], http: dict, found: dict, client: str, row) -> None:
    """Add the served rows of the largest size."""
    blank = [""] * (len(sizes) - 1)
    for name in SERVED:
        m = http[name]
        text = (f"{m['rps']:.0f} req/s ({ratio(http, name):.2f}×), p50 {m['p50']:.1f}, "
                f"p95 {m['p95']:.1f}, p99 {m['p99']:.1f} ms")  # fmt: skip
        if m["errors"]:
            text += f", **{m['errors']} errors**"
        row(f"served ({client}): {name}", [*blank, text])
    paired = http.get("paired")
    if paired:
        for name, rates in paired.items():
            ratios = paired_ratios(http, name)
            text = ", ".join(f"{r:.0f}" for r in rates) + " req/s"
            if name != "constant route" and ratios:
                text += " (" + ", ".join(f"{r:.2f}×" for r in ratios) + ")"
            row(f"served ({client}): {name}, paired rounds", [*blank, text])
    cold = found.get("first searches")
    if cold:
        text = (f"p95 {cold['fresh p95']:.1f} ms, max {cold['fresh max']:.1f} ms (first "
                f"{cold['fresh first']:.1f} ms); warm p95 {cold['warm p95']:.1f} ms; switched "
                f"{cold['switched after s']:.1f} s after the update")  # fmt: skip
        row("served: first 50 searches after `index update`, on the switched worker",
            [*blank, text])  # fmt: skip
    visit = http["first visit"]
    parts = ", ".join(f"{k} {v / KIB:.1f}" for k, v in visit["parts"].items())
    row(f"first visit to an article in Chromium, KiB received with headers ({visit['articles']} "
        "articles)", [*blank, f"mean {visit['mean'] / KIB:.1f}, max {visit['max'] / KIB:.1f} "
                              f"(mean: {parts})"])  # fmt: skip
    memory = http["server memory"]
    row(f"server memory after the route rows ({memory['processes']} processes), MB",
        [*blank, f"RSS {memory['rss'] / MIB:.0f}, PSS {memory['pss'] / MIB:.0f}, "
                 f"peak RSS of a worker {memory['peak worker'] / MIB:.0f}"])  # fmt: skip


def first_search_rows(sizes: list[int], results: dict, row) -> None:
    """Add the first search's bytes: this site's (served at the largest size only) beside
    Hugo + Pagefind's."""

    def text(m: dict | None) -> str:
        return f"mean {m['mean'] / KIB:.1f}, max {m['max'] / KIB:.1f}" if m else ""

    ours = (results[max(sizes)].get("http") or {}).get("first search")
    peer = [results[s].get("peer first search") for s in sizes]
    counted = ours or next((m for m in peer if m), None)
    if counted is None:
        return
    row(f"first search in Chromium, KiB received with headers ({counted['searches']} searches): "
        "this site", [""] * (len(sizes) - 1) + [text(ours)])  # fmt: skip
    row("— the same on Hugo + Pagefind's search page", [text(m) for m in peer])


def model_table(models: dict) -> list[str]:
    """Return the worker models' table: memory of the whole server and throughput."""
    base = next(iter(models.values()))["rounds"]
    lines = ["| worker model | processes | RSS, MB | PSS, MB | article page req/s | "
             "search fragment req/s |", "|---|---|---|---|---|---|"]  # fmt: skip
    for name, model in models.items():
        memory = model["memory"]
        rates = [rate(model["rounds"][r], base[r]) for r in ("article page", "search fragment")]
        lines.append(f"| {name} | {memory['processes']} | {memory['rss'] / MIB:.0f} | "
                     f"{memory['pss'] / MIB:.0f} | {' | '.join(rates)} |")  # fmt: skip
    return lines


def round_ratios(rounds: list[dict], base: list[dict]) -> list[float]:
    """Return one model's rate ÷ another's, round by round (rounds the other did not serve
    left out)."""
    return [m["rps"] / b["rps"] for m, b in zip(rounds, base, strict=True) if b["rps"]]


def rate(rounds: list[dict], base: list[dict]) -> str:
    """Return a model's median rate over the rounds, the median of its ratios to the
    defaults' rate in the same round, and its errors, if any."""
    text = f"{statistics.median(m['rps'] for m in rounds):.0f}"
    ratios = round_ratios(rounds, base)
    if ratios:
        text += f" ({statistics.median(ratios):.2f}×)"
    errors = sum(m["errors"] for m in rounds)
    if errors:
        text += f", **{errors} errors**"
    return text


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    """Return a Markdown table."""
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *["| " + " | ".join(r) + " |" for r in rows]]  # fmt: skip


def render(about: dict, sizes: list[int], results: dict, queries, elapsed: float) -> str:
    """Return docs/performance.md: goals, machine, results and how they were measured."""
    import benchtext

    rows: list[list[str]] = []

    def row(label: str, values: list[str]) -> None:
        rows.append([label, *values])

    build_rows(sizes, results, row)
    search_rows(sizes, results, queries, row)
    found = results[max(sizes)]
    if found.get("http"):
        served_rows(sizes, found["http"], found, about["load client for the served rows"], row)
    first_search_rows(sizes, results, row)
    loads = [f"{k}: {v}" for k, v in about.items() if k.startswith("load average")]
    lines = [
        "# Performance", "", benchtext.INTRO, "",
        "## Goals", "",
        f"From the run below ({about['date']}, {max(sizes):,} articles; " + "; ".join(loads)
        + "). A shared machine makes every time longer: read the load averages first.", "",
        *table(["goal", "target", "latest run", "met"], goals(sizes, results)), "",
        "## Machine", "",
        *[f"- {k}: {v}" for k, v in about.items()],
        f"- benchmark run time: {elapsed:.0f} s", "",
        "## Results", "",
        *table(["measurement", *[f"{s:,} articles" for s in sizes]], rows), "",
    ]  # fmt: skip
    if found.get("models"):
        lines += ["## Worker models", "", benchtext.models(), "", *model_table(found["models"]), ""]
    lines += ["## How it is measured", "", *benchtext.how(sizes, results, queries), ""]
    return "\n".join(lines)
