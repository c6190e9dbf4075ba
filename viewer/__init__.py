"""A small viewer at /viewer, served by the app from static files (no build step, no CDN).

It speaks to the public API as any client would, with the access token in memory only, and
passes the app's Content-Security-Policy (no inline script or style).
"""

from flask import Blueprint, redirect

bp = Blueprint("viewer", __name__, static_folder="static", static_url_path="/viewer/static")


@bp.get("/viewer")
def viewer_page():
    """The viewer's page."""
    return bp.send_static_file("index.html")


@bp.get("/viewer/")
def viewer_slash():
    return redirect("/viewer", code=308)
