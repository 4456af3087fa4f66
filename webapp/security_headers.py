"""Security headers on every response (pages, htmx fragments, errors, static files), and the
cookie flags for a site served over HTTPS.

The CSP allows scripts only from this site: no inline script, no ``eval`` (htmx runs with
``allowEval: false``). Styles keep ``'unsafe-inline'`` because templates set computed widths
and indents in ``style`` attributes (progress bars, column widths, lineage depth) and Bootstrap
positions its popups through inline styles; no script can run from a style.
"""

from flask import Flask

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def https(app: Flask) -> bool:
    """Served over HTTPS: ``PREFERRED_URL_SCHEME=https`` or ``SECURE_COOKIES`` set."""
    return app.config.get("PREFERRED_URL_SCHEME") == "https" or bool(
        app.config.get("SECURE_COOKIES")
    )


def init_security_headers(app: Flask) -> None:
    secure = https(app)
    if secure:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    headers = dict(HEADERS, **({"Strict-Transport-Security": HSTS} if secure else {}))

    @app.after_request
    def add_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
