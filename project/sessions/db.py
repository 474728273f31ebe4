from django.contrib.sessions.backends import db

from . import IssuedKeysOnly


class SessionStore(IssuedKeysOnly, db.SessionStore):
    """Sessions in the database (development, single machine)."""
