"""Django's session stores, refusing session keys Django never issues. A cookie can carry any
byte, NUL included, and PostgreSQL refuses a NUL in a query: without this, a forged
`sessionid` cookie would make every page a server error instead of a fresh session."""


class IssuedKeysOnly:
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
