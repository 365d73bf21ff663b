"""A realistic benchmark corpus: articles of real English prose with front matter.

The prose is assembled from text that ships with the machine: sentences from the docstrings
of Python's standard library and of the packages in the virtualenv, and, when Debian's manual
pages are installed, from sections 5, 7 and 8 (file formats, overviews, administration). Each
article follows one source document for a while, so an article reads as one subject and
related articles really share words. Titles are built from the article's own frequent words;
topics (1-3 of ten) follow the source document, so topics and text agree as they would on a
real site. Everything is seeded: the same machine gives the same corpus.
"""

from __future__ import annotations

import datetime as dt
import gzip
import multiprocessing
import os
import random
import re
import sys
import sysconfig
from collections import Counter
from pathlib import Path

import yaml

TOPICS = [
    "anxiety", "depression", "relationships", "grief", "trauma", "stress", "sleep",
    "self-esteem", "mindfulness", "therapy basics",
]  # fmt: skip
AUTHORS = {
    "alex-bench": ("Alex Bench", "MBACP (Accred), fictional author for benchmarks"),
    "jo-corpus": ("Jo Corpus", "UKCP registered psychotherapist, fictional"),
}
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# Plain sentences only: letters, spaces and ordinary punctuation, ending like a sentence.
PLAIN_SENTENCE = re.compile(r"^[A-Z][A-Za-z ,;'\u2019\-]+[.!?]$")
DOCSTRING = re.compile(r'"""(.*?)"""', re.S)
SKIP_DIRS = {"test", "tests", "site-packages", "idlelib", "lib2to3", "__pycache__"}
ROFF_FONT_LINE = re.compile(r"^\.(?:B|I|BR|IR|RB|RI) (.*)$", re.M)
ROFF_REQUEST = re.compile(r"^[.'].*$", re.M)
ROFF_ESCAPE = re.compile(
    r"\\f[BIRP1-4]|\\f\(..|\\f\[[^\]]*\]|\\\(..|\\\*\(..|\\\*.|\\[&|^%e\-]|\\s[-+]?\d"
)
_STOP_TEXT = """a about above after again against all also an and any are as at be because
    been before
    being below between both but by can could did do does doing down during each either every
    few for from further given had has have having he her here hers him his how however i if
    in into is it its itself just may me might more most must my no nor not now of off on once
    one only or other our ours out over own same she should so some such than that the their
    them then there these they this those through to too two under until up upon us use used
    uses using very was we were what when where which while who whom why will with within
    without would you your set sets returns return value values true false none new"""
STOP = set(_STOP_TEXT.split())
TITLE_TEMPLATES = [
    "Understanding {a}", "{A} and {b}", "When {a} meets {b}", "A guide to {a}",
    "{A}: what helps", "Living with {a}", "Notes on {a} and {b}", "Why {a} matters",
    "{A}, {b} and you", "Getting started with {a}", "Questions about {a}",
    "Making sense of {a}",
]  # fmt: skip


def _sentences(text: str) -> list[str]:
    found = []
    for sentence in SENTENCE_SPLIT.split(" ".join(text.split())):
        if 6 <= sentence.count(" ") + 1 <= 40 and PLAIN_SENTENCE.match(sentence):
            found.append(sentence)
    return found


def _python_file(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (UnicodeDecodeError, OSError):
        return []
    return [s for m in DOCSTRING.finditer(source) for s in _sentences(m.group(1))]


def _manual_page(path: str) -> list[str]:
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read().decode("utf-8", "replace")
    except (OSError, EOFError):
        return []
    raw = ROFF_FONT_LINE.sub(lambda m: m.group(1).replace('"', ""), raw)
    raw = ROFF_REQUEST.sub("", raw)
    return _sentences(ROFF_ESCAPE.sub("", raw))


def _files() -> list[tuple[str, str]]:
    found = []
    for label, root in (
        ("py", sysconfig.get_paths()["stdlib"]),
        ("py", sysconfig.get_paths()["purelib"]),
    ):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            found += [(label, os.path.join(folder, f)) for f in sorted(files) if f.endswith(".py")]
    for section in ("man7", "man5", "man8", "man1"):
        folder = Path("/usr/share/man", section)
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            # Section 1 holds thousands of stubs: only substantial pages are prose.
            if entry.name.endswith(".gz") and (section != "man1" or entry.stat().st_size >= 3000):
                found.append(("man", entry.path))
    return found


def _read(item: tuple[str, str]) -> list[str]:
    kind, path = item
    return _python_file(path) if kind == "py" else _manual_page(path)


def sources() -> list[tuple[str, list[str]]]:
    """Return (source path, sentences) for every usable source document, in a fixed order."""
    files = _files()
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        found = pool.map(_read, files, chunksize=64)
    return [(path, s) for (_, path), s in zip(files, found, strict=True) if len(s) >= 3]


def _content_words(sentences: list[str]) -> list[str]:
    counts = Counter(
        w for s in sentences for w in re.findall(r"[a-z]{4,}", s.lower()) if w not in STOP
    )
    return [w for w, _ in counts.most_common(8)] or ["notes", "practice"]


def _title(rng: random.Random, sentences: list[str]) -> str:
    words = _content_words(sentences)
    a, b = rng.sample(words, 2) if len(words) > 1 else (words[0], "practice")
    template = rng.choice(TITLE_TEMPLATES)
    return template.format(a=a, b=b, A=a.capitalize())


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _yaml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _body(rng: random.Random, sentences: list[str], earlier: list[str]) -> str:
    """Return Markdown: sections with headings, paragraphs, the odd list, emphasis, links."""
    out: list[str] = []
    queue = list(sentences)
    section = 0
    while queue:
        if section and (section == 1 or rng.random() < 0.5):
            heading = " ".join(queue[0].split()[: rng.randint(2, 5)]).rstrip(",;")
            out.append(f"## {heading}\n")
        section += 1
        for _ in range(rng.randint(1, 3)):
            if not queue:
                break
            size = rng.randint(2, 6)
            take, queue = queue[:size], queue[size:]
            if rng.random() < 0.12 and len(take) >= 3:
                out.append("\n".join(f"- {s}" for s in take) + "\n")
                continue
            if rng.random() < 0.3:
                words = take[0].split()
                i = rng.randrange(len(words))
                words[i] = f"*{words[i]}*" if rng.random() < 0.5 else f"**{words[i]}**"
                take[0] = " ".join(words)
            if earlier and rng.random() < 0.08:
                target = rng.choice(earlier)
                take.append(f"See also [this related article](/articles/{target}).")
            out.append(" ".join(take) + "\n")
    return "\n".join(out)


def write_corpus(content_dir: Path, count: int, seed: int = 8, pool=None) -> list[str]:
    """Write `count` articles, two authors and site settings under `content_dir`.

    Returns the slugs of the public articles, in the order written.
    """
    rng = random.Random(seed)
    pool = pool if pool is not None else sources()
    if not pool:
        sys.exit("no source text found for the benchmark corpus")
    (content_dir / "articles").mkdir(parents=True, exist_ok=True)
    (content_dir / "authors").mkdir(parents=True, exist_ok=True)
    site = yaml.safe_load((Path(__file__).resolve().parent.parent / "content" / "site.yml")
                          .read_text(encoding="utf-8"))  # fmt: skip
    # The sample's support articles are not in this corpus: naming them would make every
    # build refuse it. Its families' terms still show the panel, as general terms.
    crisis = site["crisis"]
    crisis["articles"] = []
    crisis["terms"] += [term for family in crisis.pop("families", []) for term in family["terms"]]
    (content_dir / "site.yml").write_text(
        yaml.safe_dump(site, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for slug, (name, credentials) in AUTHORS.items():
        (content_dir / "authors" / f"{slug}.md").write_text(
            f"---\nname: {name}\ncredentials: {credentials}\n---\n{name} is a fictional author "
            "whose name appears on generated benchmark articles.\n",
            encoding="utf-8",
        )
    order = list(range(len(pool)))
    rng.shuffle(order)
    cursor = {i: 0 for i in order}
    public: list[str] = []
    seen: set[str] = set()
    start = dt.date(2015, 1, 1)
    for n in range(count):
        source = order[n % len(order)]
        name, doc = pool[source]
        topic = TOPICS[hash_name(name) % len(TOPICS)]
        words_wanted = int(rng.triangular(300, 1245, 550))
        sentences: list[str] = []
        words = 0
        # Follow the source document, then a neighbour, as a writer would stay on a subject.
        neighbour = source
        while words < words_wanted:
            name_n, doc_n = pool[neighbour]
            at = cursor[neighbour] % len(doc_n)
            chunk = doc_n[at : at + rng.randint(4, 12)]
            cursor[neighbour] = at + len(chunk)
            sentences += chunk
            words += sum(s.count(" ") + 1 for s in chunk)
            if rng.random() < 0.3:
                neighbour = order[(order.index(neighbour) + 1) % len(order)]
        title = _title(rng, sentences)
        slug = _slug(title)
        if slug in seen:
            slug = f"{slug}-{n}"
        seen.add(slug)
        tags = [topic] + rng.sample([t for t in TOPICS if t != topic], rng.choice([0, 0, 1, 2]))
        date = start + dt.timedelta(days=rng.randrange(4000))
        lines = [
            "---",
            f"title: {_yaml_text(title)}",
            f"summary: {_yaml_text(sentences[0])}",
            f"date: {date.isoformat()}",
        ]
        if rng.random() < 0.3:
            updated = date + dt.timedelta(days=rng.randrange(1, 300))
            lines.append(f"updated: {updated.isoformat()}")
        if rng.random() < 0.5:
            reviewed = date + dt.timedelta(days=rng.randrange(0, 400))
            lines.append(f"reviewed: {reviewed.isoformat()}")
        lines.append("tags: [" + ", ".join(tags) + "]")
        lines.append(f"author: {rng.choice(list(AUTHORS))}")
        draft = rng.random() < 0.01
        if draft:
            lines.append("draft: true")
        if rng.random() < 0.6:
            lines += [
                "resources:",
                "  - title: NHS - Mental health services",
                "    url: https://www.nhs.uk/mental-health/",
                "    note: How to find support in England.",
            ]
        lines.append("---")
        body = _body(rng, sentences[1:], public[-200:])
        (content_dir / "articles" / f"{slug}.md").write_text(
            "\n".join(lines) + "\n" + body, encoding="utf-8"
        )
        if not draft:
            public.append(slug)
    return public


def hash_name(name: str) -> int:
    """Return a stable small hash of a source name (Python's hash() is salted per process)."""
    value = 0
    for char in name:
        value = (value * 131 + ord(char)) % 1_000_003
    return value


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    pool = sources()
    print(
        f"{len(pool)} sources, {sum(len(s) for _, s in pool)} sentences "
        f"in {time.perf_counter() - started:.1f} s"
    )
    target = Path(sys.argv[1])
    slugs = write_corpus(target, int(sys.argv[2]), pool=pool)
    print(f"{len(slugs)} public articles in {time.perf_counter() - started:.1f} s")
