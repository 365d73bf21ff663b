"""Security and privacy headers on every response."""

from __future__ import annotations

from flask import Flask, Response, current_app
from flask.sessions import SessionInterface

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get", "usb",
        "screen-wake-lock", "xr-spatial-tracking", "browsing-topics",
    )
)  # fmt: skip

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# What only a document acts on (an HTML page, or an SVG opened on its own): on a script or a
# stylesheet a browser ignores them, since the page that loads it decides what it may do.
# Left off those responses (about 300 bytes each, three of them on a first visit). The CSP
# (with frame-ancestors), X-Frame-Options, nosniff, Referrer-Policy (a stylesheet's own
# requests follow it) and CORP are on every response.
DOCUMENT_ONLY = ("Permissions-Policy", "Cross-Origin-Opener-Policy")
SUBRESOURCE_TYPES = {"text/css", "text/javascript", "application/javascript"}

# Sent only when the site is published over HTTPS (its `base_url`): browsers then refuse
# plain HTTP to it for a year, so nobody on a café's network can read which articles a
# visitor opens or strip the TLS. Subdomains are left out: the practice's other hosts may
# not all have HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def add_security_headers(response: Response) -> Response:
    """Add our headers and make sure nothing sets a cookie."""
    kind = "subresource" if response.mimetype in SUBRESOURCE_TYPES else "document"
    for name, value in current_app.extensions["security_headers"][kind].items():
        response.headers.setdefault(name, value)
    # We keep no state about visitors; a cookie here would be a bug, so never send one.
    response.headers.pop("Set-Cookie", None)
    return response


class NoSessions(SessionInterface):
    """Never open a session: Flask then refuses writes to it, so no session cookie is sent.

    The header hook alone would not do: Flask saves the session after that hook has run.
    """

    def open_session(self, app, request):  # noqa: ARG002 - Flask's SessionInterface
        """Return no session, which makes Flask use one that refuses writes."""
        return None

    def save_session(self, app, session, response):
        """Save nothing."""


def init_app(app: Flask) -> None:
    """Register the header hook and turn sessions off."""
    headers = dict(HEADERS)
    if str(app.extensions["site_settings"]["base_url"]).startswith("https://"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    subresource = {name: value for name, value in headers.items() if name not in DOCUMENT_ONLY}
    app.extensions["security_headers"] = {"document": headers, "subresource": subresource}
    app.after_request(add_security_headers)
    app.session_interface = NoSessions()
