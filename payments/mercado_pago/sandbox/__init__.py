"""The offline Mercado Pago sandbox (see server.py and README.md, "Payments")."""

from .server import SandboxServer, sign

__all__ = ["SandboxServer", "sign"]
