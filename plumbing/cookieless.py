"""No cookie sessions: the API's state is its bearer tokens and MongoDB, never a cookie."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class NoCookieSessions(SecureCookieSessionInterface):
    """Every request gets Flask's null session, which refuses writes; the signed-cookie session
    would build its serializer on every request for a cookie nobody reads."""

    def open_session(self, app, request):
        return None


def init_app(app: Flask) -> None:
    app.session_interface = NoCookieSessions()
