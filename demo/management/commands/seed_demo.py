from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo import seed as demo

# Outside development the command also needs this flag: what it creates is public.
FORCE_FLAG = "--with-published-staff-password-and-credit-token"


class Command(BaseCommand):
    help = (
        "Load the deterministic demo catalogue (idempotent), the demo shopper and the staff "
        "user, and print their credentials. --products N adds bulk products for benchmarks. "
        f"Refused with DEBUG off unless {FORCE_FLAG} is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--products",
            type=int,
            default=demo.DEMO_PRODUCT_COUNT,
            help=f"Total number of products (at least {demo.DEMO_PRODUCT_COUNT}).",
        )
        parser.add_argument(
            FORCE_FLAG,
            action="store_true",
            dest="force",
            help=(
                "Run even with DEBUG off, knowing that it creates a superuser whose password is "
                f"published ({demo.STAFF_EMAIL}) and a store-credit token worth "
                f"R$ {demo.DEMO_TOKEN_BALANCE} that anyone may spend (benchmarks, demos; "
                "never a real store)."
            ),
        )

    def handle(self, *args, seed, products, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off: seed_demo would create a superuser whose password is "
                    "published (%(staff)s) and a store-credit token worth R$ %(amount)s that "
                    "anyone may spend. Add %(flag)s if this is not a real store."
                )
                % {"staff": demo.STAFF_EMAIL, "amount": demo.DEMO_TOKEN_BALANCE, "flag": FORCE_FLAG}
            )
        if products < demo.DEMO_PRODUCT_COUNT:
            raise CommandError(f"--products must be at least {demo.DEMO_PRODUCT_COUNT}.")
        result = demo.seed_demo(seed=seed, products=products)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalogue ready: {result.products_created} products created, "
                f"{result.products_total} in the store."
            )
        )
        self.stdout.write(
            "\nDemo accounts\n"
            f"  shopper: {demo.SHOPPER_EMAIL} / {demo.SHOPPER_PASSWORD}\n"
            f"  staff:   {demo.STAFF_EMAIL} / {demo.STAFF_PASSWORD}  (admin at /admin/)\n"
            f"  store credit token: {demo.DEMO_TOKEN} (R$ {demo.DEMO_TOKEN_BALANCE} when issued)\n"
            f"QA fixtures: /p/{demo.LAST_UNIT_SLUG}/ (Navy, M: 1 unit left), "
            f"/p/{demo.SOLD_OUT_SLUG}/ (sold out)\n"
        )
