"""Run the sandbox alone: `python -m payments.mercado_pago.sandbox [--port 8001] [--secret ...]`."""

import argparse
import contextlib
import logging
import os

from .server import SandboxServer


def main() -> None:
    parser = argparse.ArgumentParser(description="Offline Mercado Pago sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8001")))
    parser.add_argument(
        "--secret",
        default=os.environ.get("MERCADOPAGO_WEBHOOK_SECRET", "sandbox-webhook-secret"),
        help="webhook signing secret (the store's MERCADOPAGO_WEBHOOK_SECRET)",
    )
    parser.add_argument(
        "--public-url", default=None, help="address buyers' browsers use, if not host:port"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(levelname)s %(message)s")
    server = SandboxServer(
        host=args.host, port=args.port, secret=args.secret, public_url=args.public_url
    )
    logging.getLogger("payments.mercado_pago.sandbox").info(
        "Mercado Pago sandbox on %s", server.url
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
