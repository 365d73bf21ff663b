"""Machine-facing routes: health check, robots, feed and sitemap."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..index import IndexProblem
from ..live import current_snapshot

bp = Blueprint("site", __name__)


@bp.get("/healthz")
def healthz():
    """Report liveness and the index generation being served."""
    try:
        snapshot = current_snapshot()
    except IndexProblem as problem:
        return jsonify(status="unavailable", reason=str(problem)), 503
    return jsonify(
        status="ok",
        generation=snapshot.manifest.generation,
        articles=snapshot.manifest.documents,
        built_at=snapshot.manifest.built_at,
    )
