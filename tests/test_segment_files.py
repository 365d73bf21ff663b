"""Whoosh's segments through our code are Whoosh's own: read in place (a server process holds
no copy of them), and written in parallel into the index Whoosh's writer would write."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from webapp.model import Article
from webapp.search import engine, indexing, segment_files

from .test_search import article

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("seek"), st.integers(-5, 70), st.sampled_from([0, 1, 2])),
        st.tuples(st.just("read"), st.integers(-1, 30)),
        st.tuples(st.just("readline"), st.integers(-1, 30)),
        st.tuples(st.just("tell")),
        st.tuples(st.just("pickle")),
    ),
    max_size=30,
)


PICKLES = st.lists(st.one_of(st.integers(), st.text(max_size=5), st.floats(allow_nan=False)))


@given(
    data=st.one_of(st.binary(max_size=60), PICKLES.map(lambda items: pickle.dumps(items, 2) * 2)),
    operations=OPERATIONS,
)
def test_a_slice_reads_like_a_copy_of_it(data, operations):
    copy = io.BytesIO(data)
    in_place = segment_files.SliceFile(memoryview(data)).file
    for name, *arguments in operations:
        if name == "seek" and arguments[1] == os.SEEK_SET and arguments[0] < 0:
            continue  # BytesIO refuses a negative absolute position; Whoosh never asks
        if name == "pickle":  # pickle reads ahead with peek, then reads what it used
            assert _load(in_place) == _load(copy)
        else:
            assert getattr(in_place, name)(*arguments) == getattr(copy, name)(*arguments)


def _load(file) -> object:
    start = file.tell()
    try:
        return pickle.load(file), file.tell()  # noqa: S301 - bytes this test pickled
    except Exception as error:  # noqa: BLE001 - the same failure, either way
        file.seek(start)  # where a failed load leaves the file is no one's concern
        return type(error)


def test_an_open_index_holds_no_copy_of_its_files(tmp_path):
    words = [
        "harbour",
        "garden",
        "kettle",
        "lantern",
        "violin",
        "anchor",
        "bloom",
        "saucer",
        "ember",
        "rosin",
    ]
    articles: list[Article] = [
        article(f"a{n}", "Title", " ".join(words[(n + k) % 10] for k in range(3000)))
        for n in range(150)
    ]
    indexing.build_index(tmp_path / "ix", articles)
    stored = sum(p.stat().st_size for p in (tmp_path / "ix").glob("*.seg"))
    tracemalloc.start()
    try:
        index = engine.SearchIndex(tmp_path / "ix")
        try:
            assert index.search("harbour garden").total == 150
            assert index.search('"kettle lantern"').total == 150
            held = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(True, "*/whoosh/filedb/*")]
            )
        finally:
            index.close()
    finally:
        tracemalloc.stop()
    # Whoosh's own BufferFile held a copy of every file it had opened: the terms, and the
    # postings once searched.
    assert sum(stat.size for stat in held.statistics("filename")) < stored / 10


def _contents(directory) -> dict:
    """Return what a search can see of an index, by slug: stored fields, field lengths and
    every posting (weight and encoded value), read through Whoosh's public API."""
    ix = whoosh_index.open_dir(str(directory))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            slug_of = {d: searcher.stored_fields(d)["slug"] for d in reader.all_doc_ids()}
            postings = {}
            for field, term in reader.all_terms():
                matcher = reader.postings(field, term)
                while matcher.is_active():
                    key = (field, term, slug_of[matcher.id()])
                    postings[key] = (matcher.weight(), matcher.value())
                    matcher.next()
            return {
                "stored": {slug_of[d]: searcher.stored_fields(d) for d in slug_of},
                "lengths": {
                    (slug_of[d], field): reader.doc_field_length(d, field)
                    for d in slug_of
                    for field in ix.schema.scorable_names()
                },
                "postings": postings,
            }
    finally:
        ix.close()


def test_segments_written_apart_and_committed_together_are_whooshs_own_index(tmp_path):
    articles = [
        article(f"a{n}", f"Title {n}", f"panic breathing calm {n} " * (n % 7 + 1))
        for n in range(40)
    ]
    with ThreadPoolExecutor(2) as executor:
        written = indexing.build_index(tmp_path / "ours", articles, executor=executor, workers=2)
    assert written == 40
    (tmp_path / "whoosh").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "whoosh"), indexing.make_schema())
    writer = ix.writer()
    for item in articles:
        writer.add_document(**indexing._document(item))
    writer.commit()
    ix.close()
    ours = whoosh_index.open_dir(str(tmp_path / "ours"))
    assert len(ours.reader().leaf_readers()) == 2  # one segment per worker, both committed
    ours.close()
    assert _contents(tmp_path / "ours") == _contents(tmp_path / "whoosh")


def test_field_lengths_read_once_are_the_segment_readers_own(tmp_path):
    indexing.build_index(tmp_path, [article(f"a{n}", "Title", "word " * n) for n in range(1, 9)])
    ix = whoosh_index.open_dir(str(tmp_path))
    try:
        (segment, _), *_ = ix.reader().leaf_readers()
        reader = segment._perdoc  # the kind of per-document reader the writer wraps
        once = segment_files._LengthsOnce(reader)
        for field in ("title", "body", "tags"):
            for docnum in range(reader.doc_count_all()):
                assert once.doc_field_length(docnum, field, 7) == reader.doc_field_length(
                    docnum, field, 7
                ), (field, docnum)
    finally:
        ix.close()


# Run in a fresh interpreter, as a server process or a spawned worker starts: importing the
# site's code changes nothing in Whoosh, and opening an index through it reads in place.
FRESH_PROCESS = """
import sys
from pathlib import Path
from whoosh.filedb import compound, structfile
from webapp import create_app  # everything a server or worker imports
from webapp.building import pipeline
from webapp.search import engine, indexing, related, segment_files
assert compound.BufferFile is structfile.BufferFile, "importing patched Whoosh"
directory, opener = Path(sys.argv[1]), sys.argv[2]
if opener == "search":
    engine.SearchIndex(directory).close()
elif opener == "update":
    indexing.update_index(directory, [], removed=["a1"])
else:
    inputs = {"a0": related.RelatedInput("harbour garden kettle", (), 1)}
    related.related_lists(directory, inputs, ["a0"])
assert compound.BufferFile is segment_files.SliceFile, "opened without reading in place"
"""


@pytest.mark.parametrize("opener", ["search", "update", "related"])
def test_every_way_our_code_opens_an_index_reads_it_in_place(tmp_path, opener):
    indexing.build_index(
        tmp_path, [article(f"a{n}", "Title", "harbour garden kettle " * 50) for n in range(4)]
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(tmp_path), opener],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
