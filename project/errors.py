"""The one base class for refusals a shopper is told about."""


class ShopError(Exception):
    """A service refused to do something, changing nothing; `message` is for the shopper
    (translated). Views catch it and show the message; each domain subclasses it (CartError,
    OrderError, stock's InsufficientStock, store credit's StoreCreditError, Mercado Pago's
    LinkUnavailable)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
