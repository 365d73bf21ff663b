"""Whoosh reads segment files in place: a server process does not hold a copy of them."""

from __future__ import annotations

import io
import os
import pickle
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st

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
        return pickle.load(file), file.tell()
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
