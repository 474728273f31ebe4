from django.core.management.base import BaseCommand, CommandError

from demo import seed as demo


class Command(BaseCommand):
    help = (
        "Load the deterministic demo catalogue (idempotent), the demo shopper and the staff "
        "user, and print their credentials. --products N adds bulk products for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--products",
            type=int,
            default=demo.DEMO_PRODUCT_COUNT,
            help=f"Total number of products (at least {demo.DEMO_PRODUCT_COUNT}).",
        )

    def handle(self, *args, seed, products, **options):
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
