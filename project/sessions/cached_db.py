from django.contrib.sessions.backends import cached_db

from . import IssuedKeysOnly


class SessionStore(IssuedKeysOnly, cached_db.SessionStore):
    """Sessions in Redis, written through to the database (production)."""
