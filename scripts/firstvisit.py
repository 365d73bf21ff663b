"""The first visit on its own: a corpus of the benchmark's kind built in a temporary folder,
served by gunicorn with the production config, measured in Chromium (`chromium_visits.py`).

    .venv/bin/python scripts/firstvisit.py --articles 1000 --visits 100 [--each]

`--each` also prints every response of the first visit: status, encoding, headers and body.
`make bench` measures the same at 10,000 articles.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import chromium_visits


def main() -> None:
    """Build a benchmark corpus, serve it with gunicorn and print its first-visit figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the corpus")
    parser.add_argument("--visits", type=int, default=100, help="articles opened in Chromium")
    parser.add_argument("--each", action="store_true", help="print the first visit's responses")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root), str(root / "scripts")]
    import benchcorpus
    import benchserve

    work = Path(tempfile.mkdtemp(prefix="webapp-firstvisit-"))
    try:
        content_dir, index_dir = work / "content", work / "index"
        slugs = benchcorpus.write_corpus(content_dir, args.articles)
        env = {**os.environ, "FLASK_CONTENT_DIR": str(content_dir),
               "FLASK_INDEX_DIR": str(index_dir)}  # fmt: skip
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "index", "rebuild"],
                       cwd=root, env=env, check=True, capture_output=True)  # fmt: skip
        paths = benchserve.routes_for(slugs, [])["article page"].paths[: args.visits]
        with benchserve.served(content_dir, index_dir, work) as (port, _):
            found = chromium_visits.first_visits(f"http://127.0.0.1:{port}", paths, each=args.each)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    kib = {name: f"{value / 1024:.1f}" for name, value in found["parts"].items()}
    print(f"first visit, {found['articles']} articles of {args.articles}: "
          f"mean {found['mean'] / 1024:.1f} KiB, max {found['max'] / 1024:.1f} KiB, "
          f"mean by kind (KiB): {kib}")  # fmt: skip


if __name__ == "__main__":
    main()
