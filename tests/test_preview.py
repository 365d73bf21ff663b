"""The writer's preview without a browser: what a save does, and what open pages are told."""

from __future__ import annotations

from webapp import preview
from webapp.building import pipeline
from webapp.generation.folder import current_generation

from .conftest import make_app


def no_findings(content_dir, index_dir):
    return [], []


def test_a_save_with_problems_is_shown_and_builds_nothing(content_dir, tmp_path):
    watched = preview.Preview(content_dir, tmp_path / "ix", no_findings, echo=lambda line: None)
    watched.refresh()
    built = current_generation(tmp_path / "ix")
    said = []
    broken = preview.Preview(
        content_dir, tmp_path / "ix", lambda c, i: (["articles/x.md: title: is required"], []),
        echo=said.append,
    )  # fmt: skip
    broken.refresh({"articles/x.md"})
    assert broken.problems == ["articles/x.md: title: is required"]
    assert broken.version == 1
    assert current_generation(tmp_path / "ix") == built  # the last good one stays
    assert any("1 problem" in line for line in said)


def test_a_build_that_fails_unexpectedly_is_shown_and_the_preview_goes_on(
    content_dir, tmp_path, monkeypatch
):
    watched = preview.Preview(content_dir, tmp_path / "ix", no_findings, echo=lambda line: None)
    watched.refresh()

    def broken_update(*args, **kwargs):
        raise RuntimeError("something no one foresaw")

    monkeypatch.setattr(pipeline, "update", broken_update)
    watched.refresh({"articles/living-with-grief.md"})  # must not raise: the watch goes on
    assert watched.version == 2
    [problem] = watched.problems
    assert "could not build" in problem and "something no one foresaw" in problem

    monkeypatch.undo()
    watched.refresh({"articles/living-with-grief.md"})
    assert watched.problems == [] and watched.version == 3


def test_an_open_page_older_than_the_preview_is_told_to_reload(content_dir, index_dir):
    watched = preview.Preview(content_dir, index_dir, no_findings, echo=lambda line: None)
    watched.version = 3
    app = make_app(content_dir, index_dir)
    preview.init_app(app, watched)
    response = app.test_client().get("/_preview/events?since=2")
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    assert "data: reload" in response.get_data(as_text=True)
