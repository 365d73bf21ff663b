"""Site-wide routes outside the articles: the health check and the quick-exit help page."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from webapp.generation.folder import IndexProblem
from webapp.web.live import current_snapshot

bp = Blueprint("site", __name__)


@bp.get("/healthz")
def healthz():
    """Report liveness and the index generation being served.

    Why an index is unavailable names folders and files: it goes to the log, not to
    whoever asks here.
    """
    try:
        snapshot = current_snapshot()
    except IndexProblem:
        response = jsonify(status="unavailable")
        response.headers["Cache-Control"] = "no-store"
        return response, 503
    return jsonify(
        status="ok",
        generation=snapshot.manifest.generation,
        articles=snapshot.manifest.documents,
        built_at=snapshot.manifest.built_at,
    )


@bp.get("/quick-exit")
def quick_exit():
    """Explain what quick exit does and does not do, and how to browse more privately."""
    return render_template("quick_exit.html")
