"""The htmx the site serves is committed, so `make run` needs no npm; these tests keep that
copy honest: it is the file its manifest names, and byte for byte the htmx.org release that
package-lock.json pins (`make test` installs it into node_modules, so this never skips).
"""

from __future__ import annotations

import hashlib
import json

from .conftest import ROOT

VENDOR = ROOT / "webapp" / "static" / "vendor"
SOURCES = json.loads((VENDOR / "sources.json").read_text(encoding="utf-8"))
HTMX = SOURCES["htmx.min.js"]


def locked_version(package: str) -> str:
    """Return the version of `package` that package-lock.json pins."""
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"][f"node_modules/{package}"]["version"]


def test_the_committed_htmx_is_the_file_its_manifest_names():
    committed = (VENDOR / "htmx.min.js").read_bytes()

    assert hashlib.sha256(committed).hexdigest() == HTMX["sha256"]
    assert HTMX["package"] == "htmx.org"
    assert HTMX["version"] == locked_version("htmx.org")
    assert HTMX["tarball"] == (
        f"https://registry.npmjs.org/htmx.org/-/htmx.org-{HTMX['version']}.tgz"
    )


def test_the_committed_htmx_is_byte_for_byte_the_pinned_npm_release():
    package = ROOT / "node_modules" / HTMX["package"]
    released = package / HTMX["file"]
    assert released.is_file(), (
        f"{released} is missing: run `make test`, which installs the pinned npm packages"
    )
    installed = json.loads((package / "package.json").read_text(encoding="utf-8"))

    assert installed["version"] == HTMX["version"], "node_modules is stale: run `make test`"
    assert (VENDOR / "htmx.min.js").read_bytes() == released.read_bytes(), (
        "webapp/static/vendor/htmx.min.js differs from the npm release: copy "
        f"{released.relative_to(ROOT)} over it and update sources.json"
    )
