"""The writer's preview: the site with its drafts, kept in step with `content/` as files are saved.

`flask --app wsgi content preview` builds a private index generation in a temporary folder
(never `index/`, so the published site is untouched), serves it on 127.0.0.1, and watches
`content/` with watchfiles. Each save is checked as `content check` would check it: with no
problems, the private generation is updated and every open preview page reloads (a small
script of ours listens for Server-Sent Events); with problems, the pages show them instead
of the article, and the last good generation stays behind them until the next good save.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request

from webapp import config
from webapp.building import pipeline, safe_messaging
from webapp.generation.folder import IndexProblem, current_generation
from webapp.model import Advice

EVENTS_KEEPALIVE_SECONDS = 15.0
# Given the content and index folders: the problems, as `content check` says them, and the
# warnings (which never stop the preview showing the article).
Finder = Callable[[Path, Path], tuple[list[str], list[Advice]]]

bp = Blueprint("preview", __name__)


class Preview:
    """The private generation a preview serves, and the news that it changed.

    `version` goes up after every build or every change in the problems found, and open
    pages that saw an older version reload.
    """

    def __init__(
        self,
        content_dir: Path,
        index_dir: Path,
        find: Finder,
        echo: Callable[[str], None] = print,
    ):
        self.content_dir = content_dir
        self.index_dir = index_dir
        self._find = find
        self._echo = echo
        self.version = 0
        self.problems: list[str] = []
        self.warnings: list[Advice] = []
        self.built_in: float | None = None  # seconds the last good save took to build
        self._changed = threading.Condition()

    def refresh(self, changed: set[str] | None = None) -> None:
        """Check the content and bring the private generation up to date with it.

        `changed` names the files that changed (relative to `content/`); None means "build
        everything", as at start-up.
        """
        started = time.perf_counter()
        problems, warnings = self._find(self.content_dir, self.index_dir)
        if not problems:
            try:
                self._build(changed)
            except IndexProblem as problem:
                problems = [str(problem)]
            except Exception as error:  # noqa: BLE001 - shown like a problem, never fatal
                # Whatever a build trips on, the writer sees it in the page, and the watch
                # goes on: a preview that stopped updating would look like a hung save.
                problems = [f"the preview could not build this content ({error!r})"]
        self.built_in = None if problems else time.perf_counter() - started
        for line in problems:
            self._echo(line)
        if problems:
            self._echo(f"The preview shows {len(problems)} problem(s) until they are fixed.")
        elif changed is not None:
            self._echo(
                f"Updated the preview in {self.built_in:.2f} s: " + ", ".join(sorted(changed))
            )
        self._echo_warnings(warnings, changed)
        with self._changed:
            self.problems = problems
            self.warnings = warnings
            self.version += 1
            self._changed.notify_all()

    def warnings_for(self, source: str) -> list[Advice]:
        """Return the warnings about one content file (an article's `source`)."""
        return [warning for warning in self.warnings if warning.concerns(source)]

    def _echo_warnings(self, warnings: list[Advice], changed: set[str] | None) -> None:
        # On a save, the saved files' warnings; at start, how many there are in all.
        if changed is None:
            if warnings:
                self._echo(
                    f"{len(warnings)} warning(s): 'content check' lists them, and the preview "
                    "shows an article's own above it."
                )
            return
        sources = {f"{self.content_dir.name}/{name}" for name in changed}
        for warning in warnings:
            if any(warning.concerns(source) for source in sources):
                self._echo(str(warning))

    def _build(self, changed: set[str] | None) -> None:
        if changed is not None and current_generation(self.index_dir):
            if changed <= {safe_messaging.FILE}:
                return  # only the checks read it, and they have run: nothing to build
            articles_only = all(name.startswith("articles/") for name in changed)
            if articles_only:
                pipeline.update(self.content_dir, self.index_dir)
                return
        pipeline.rebuild(self.content_dir, self.index_dir)

    def wait(self, since: int, timeout: float) -> int:
        """Return the version once it is newer than `since`, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > since, timeout)
            return self.version

    def watch(self, stop: threading.Event) -> None:
        """Refresh on every change to `content/` until `stop` is set."""
        import watchfiles  # the preview's own dependency: serving never loads it

        for changes in watchfiles.watch(self.content_dir, stop_event=stop, debounce=100):
            changed = {
                Path(path).resolve().relative_to(self.content_dir.resolve()).as_posix()
                for _, path in changes
            }
            self.refresh(changed)


@bp.get("/_preview/events")
def events() -> Response:
    """Stream a "reload" event whenever the preview is newer than the page that asked."""
    preview: Preview = current_app.extensions["preview"]
    since = request.args.get("since", type=int) or 0

    def stream() -> Iterator[str]:
        seen = since
        yield "retry: 500\n\n"  # after a restart of the preview, reconnect quickly
        while True:
            now = preview.wait(seen, EVENTS_KEEPALIVE_SECONDS)
            if now > seen:
                yield "data: reload\n\n"
                return
            yield ": still here\n\n"  # keeps proxies and the browser from closing the stream

    response = Response(stream(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, preview: Preview) -> None:
    """Make `app` the preview of `preview`: drafts shown, the reload script on every page,
    and the site settings read again after every save (a published site reads them once)."""
    app.extensions["preview"] = preview
    app.register_blueprint(bp)
    read_at = {"version": preview.version}

    @app.before_request
    def settings_as_saved() -> None:
        if read_at["version"] != preview.version:
            read_at["version"] = preview.version
            # A broken site.yml is shown in the page as one of the problems; the last good
            # settings serve meanwhile.
            with contextlib.suppress(config.SettingsError):
                config.init_app(app)

    @app.context_processor
    def preview_state() -> dict:
        return {"preview": preview}
