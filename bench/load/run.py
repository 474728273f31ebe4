"""The store's load test: `make load` (or `.venv/bin/python bench/load/run.py [--users 200]
[--run-time 5m] [--workers 5]`).

It resets the `load` PostgreSQL database, migrates, seeds the demo catalogue plus a "drop" of
products with a few units each and one account per simulated shopper, collects static files,
starts the offline Mercado Pago sandbox and gunicorn with production settings, and runs locust
headless (bench/load/locustfile.py). Then Mercado Pago settles the payments still pending, the
webhooks are awaited, and the invariants are checked from the database and the sandbox: no
failed request, nothing oversold, every approved payment paid an order (or was refunded with the
refund sent). Results go to bench/results/load-<time>.md and .json; the exit status is 1 when an
invariant fails. See bench/README.md, "Load test".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, for harness

from harness import (  # noqa: E402
    PYTHON,
    RESULTS,
    ROOT,
    Server,
    ensure_css,
    fresh_postgres,
    machine,
    manage,
    production_env,
    reset_redis,
    wait_for,
)

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DATABASE = "load"
WEBHOOK_SECRET = "load-test-webhook-secret"  # noqa: S105 (the sandbox's, not a real secret)
MEMBER_PASSWORD = "load-test-password-2026"  # noqa: S105 (throw-away accounts)

# The drop: a few units that many shoppers want at once. (colour or None, size or None) -> units.
DROP = [
    ("Drop Hand-dyed Linen Shirt", "Shirts", "289.90", {("Sand", "M"): 3, ("Olive", "L"): 2}),
    ("Drop Canvas High-top", "Shoes", "419.90", {(None, "40"): 2, (None, "41"): 3}),
    ("Drop Silk Scarf", "Accessories", "149.90", {(None, None): 4}),
]
LAST_UNIT = ("classic-linen-shirt", "navy", "M")  # the demo's single last unit joins the drop


# -- inside Django (child processes bound to the load database) ------------------------------


def setup_catalogue(payload: dict) -> dict:
    """Add the drop and the members' accounts; describe the catalogue for the shoppers."""
    from decimal import Decimal

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils.text import slugify

    from accounts.models import Address, User
    from demo.seed import render_product_image
    from store.cache import catalogue_changed
    from store.models import Category, Color, Product, ProductImage, Size, Variant

    with transaction.atomic():
        for name, category, price, stock in DROP:
            slug = name.lower().replace(" ", "-")
            product = Product.objects.create(
                name=name,
                slug=slug,
                category=Category.objects.get(slug=slugify(category)),  # names are translated
                price=Decimal(price),
                description="A limited drop: a handful of units, for the load test.",
            )
            for (color, size), units in stock.items():
                Variant.objects.create(
                    product=product,
                    color=Color.objects.get(slug=slugify(color)) if color else None,
                    size=Size.objects.get(name=size) if size else None,
                    quantity=units,
                )
            picture = ProductImage(product=product, alt_text=name, is_primary=True)
            picture.image.save(
                f"{slug}.jpg",
                ContentFile(render_product_image(name, "#1e3a5f", "#f5f5f4", 1)),
                save=False,
            )
            picture.save()
        password = make_password(MEMBER_PASSWORD)  # hashed once for every account
        emails = [f"load-member-{n:04d}@example.com" for n in range(payload["members"])]
        users = User.objects.bulk_create(User(email=e, password=password) for e in emails)
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
        )
        Address.objects.bulk_create(
            Address(
                user=u,
                recipient=f"Member {n}",
                street="Rua Augusta",
                number=str(100 + n),
                district="Consolação",
                city="São Paulo",
                state="SP",
                postal_code="01305-000",
                phone="(11) 98765-4321",
                is_default=True,
            )
            for n, u in enumerate(users)
        )
    catalogue_changed()

    products = []
    drop_slugs = {name.lower().replace(" ", "-") for name, *_rest in DROP}
    for product in Product.objects.filter(is_active=True).prefetch_related(
        "variants__color", "variants__size"
    ):
        variants = [
            {
                "id": v.pk,
                "color": v.color.slug if v.color else None,
                "size": v.size.name if v.size else None,
                "stock": v.quantity,
            }
            for v in product.variants.all()
        ]
        entry = {"id": product.pk, "slug": product.slug, "name": product.name}
        products.append({**entry, "contended": product.slug in drop_slugs, "variants": variants})
        if product.slug == LAST_UNIT[0]:
            last = [v for v in variants if (v["color"], v["size"]) == LAST_UNIT[1:]]
            products.append({**entry, "contended": True, "variants": last})
    return {
        "products": products,
        "categories": list(
            Category.objects.filter(products__isnull=False)
            .values_list("slug", flat=True)
            .distinct()
        ),
        "colors": list(Color.objects.values_list("slug", flat=True)),
        "sizes": list(Size.objects.values_list("name", flat=True)),
        "members": emails,
        "password": MEMBER_PASSWORD,
        "initial_stock": {str(v.pk): v.quantity for v in Variant.objects.all()},
        "drop_variants": sorted(
            {v["id"] for p in products if p["contended"] for v in p["variants"]}
        ),
    }


def check_invariants(payload: dict) -> dict:
    """The invariants, from the database and the sandbox's final state."""
    from decimal import Decimal

    from django.db.models import Count, Sum

    from orders.models import Invoice, Order, OrderLine, PaymentMethod, PaymentStatus
    from payments.models import MercadoPagoPayment, RefundStatus
    from stock.selectors import held_units
    from store.models import Variant

    catalogue = json.loads(Path(payload["catalogue"]).read_text())
    initial = {int(k): v for k, v in catalogue["initial_stock"].items()}
    state = json.loads(Path(payload["sandbox_state"]).read_text())
    variants = {v.pk: v for v in Variant.objects.select_related("product", "color", "size")}
    sold = dict(
        OrderLine.objects.filter(order__payment_status=PaymentStatus.PAID)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant_id", "units")
    )
    held = held_units(variant_ids=list(variants))
    problems: dict[str, list[str]] = {
        "negative": [],
        "oversold": [],
        "stock_mismatch": [],
        "payments": [],
        "orders": [],
    }
    for pk, variant in variants.items():
        start, units = initial.get(pk, variant.quantity), sold.get(pk, 0)
        label = f"variant {pk} ({variant.product.name} {variant.color or ''} {variant.size or ''})"
        if variant.quantity < 0:
            problems["negative"].append(f"{label}: {variant.quantity}")
        if units > start:
            problems["oversold"].append(f"{label}: initial {start}, sold {units}")
        if start - variant.quantity != units:
            problems["stock_mismatch"].append(
                f"{label}: initial {start} - now {variant.quantity} != sold {units}"
            )

    orders = Order.objects.in_bulk()
    records = {r.order_id: r for r in MercadoPagoPayment.objects.all()}
    by_status: dict[str, int] = {}
    approved_ids = set()
    for payment in state["payments"]:
        pid, status = str(payment["id"]), payment["status"]
        by_status[status] = by_status.get(status, 0) + 1
        order = orders.get(int(payment["external_reference"] or 0))
        record = records.get(order.pk) if order else None
        if order is None or record is None:
            problems["payments"].append(f"payment {pid} ({status}): no such order")
            continue
        if Decimal(str(payment["transaction_amount"])).quantize(Decimal("0.01")) != order.total:
            problems["payments"].append(f"payment {pid}: amount differs from order {order.pk}")
        paid_it = record.approved_payment_id == pid
        if status == "approved":
            approved_ids.add(pid)
            if not (paid_it and order.payment_status == PaymentStatus.PAID):
                problems["payments"].append(
                    f"approved payment {pid}: order {order.pk} is {order.payment_status}, "
                    f"approved_payment_id={record.approved_payment_id!r}"
                )
        elif status == "refunded":
            refund_ids = {str(r["id"]) for r in payment["refunds"]}
            late = (
                paid_it
                and order.payment_status == PaymentStatus.REFUNDED
                and record.refund_status == RefundStatus.DONE
                and record.refund_id in refund_ids
            )
            duplicate = not paid_it and order.payment_status == PaymentStatus.PAID
            if not (late or duplicate):
                problems["payments"].append(
                    f"refunded payment {pid}: order {order.pk} is {order.payment_status}, "
                    f"refund {record.refund_status!r}"
                )
        elif paid_it:
            problems["payments"].append(f"{status} payment {pid} marked order {order.pk} paid")
        decided_by_another = bool(record.approved_payment_id) and not paid_it
        # A pending payment keeps its order pending, unless a newer checkout of the cart
        # replaced the order (cancelled), its link ran out, or another payment paid it.
        if (
            status in ("pending", "in_process")
            and order.payment_status
            not in (PaymentStatus.PAYMENT_PENDING, PaymentStatus.CANCELLED, PaymentStatus.EXPIRED)
            and not decided_by_another
        ):
            problems["payments"].append(
                f"pending payment {pid}: order {order.pk} {order.payment_status}"
            )

    paid = Order.objects.filter(payment_status=PaymentStatus.PAID)
    for order in paid.filter(payment_method=PaymentMethod.MERCADO_PAGO):
        record = records.get(order.pk)
        if record is None or record.approved_payment_id not in approved_ids:
            problems["orders"].append(f"paid order {order.pk} has no approved payment")
    invoices = {i.order_id: i for i in Invoice.objects.filter(order__in=paid)}
    for order in paid:
        invoice = invoices.get(order.pk)
        if invoice is None or invoice.total != order.total:
            problems["orders"].append(f"paid order {order.pk}: invoice missing or wrong")
    for order in Order.objects.filter(payment_status=PaymentStatus.REFUNDED):
        record = records.get(order.pk)
        if record is None or record.refund_status != RefundStatus.DONE:
            problems["orders"].append(f"refunded order {order.pk}: refund not sent")

    drop = [
        {
            "variant": f"{variants[pk].product.name} {variants[pk].color or ''} {variants[pk].size or ''}".strip(),
            "initial": initial[pk],
            "sold": sold.get(pk, 0),
            "held": held.get(pk, 0),
            "left": variants[pk].quantity,
        }
        for pk in catalogue["drop_variants"]
    ]
    statuses = dict(Order.objects.values_list("payment_status").annotate(n=Count("id")).order_by())
    delivered: dict[str, int] = {}
    for _payment_id, http_status in state["delivered"]:
        delivered[str(http_status)] = delivered.get(str(http_status), 0) + 1
    return {
        "problems": problems,
        "orders_by_status": statuses,
        "payments_by_status": by_status,
        "webhooks_by_http_status": delivered,
        "units_sold": sum(sold.values()),
        "revenue": str(paid.aggregate(total=Sum("total"))["total"] or Decimal("0")),
        "drop": drop,
        "users": Order.objects.filter(user__isnull=False).values("user").distinct().count(),
    }


def inside_django(what: str, env: dict, payload: dict) -> dict:
    """Run setup or the checks in a child process bound to the load database."""
    command = [PYTHON, str(Path(__file__)), "--inside", what, "--payload", json.dumps(payload)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{what} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the sandbox ---------------------------------------------------------------------------


class Sandbox:
    def __init__(self, env: dict, port: int, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "payments.mercado_pago.sandbox",
                "--port",
                str(port),
                "--secret",
                WEBHOOK_SECRET,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        wait_for(f"{self.url}/__sandbox__/state", "the sandbox")

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/__sandbox__/state", timeout=60) as answer:
            return json.loads(answer.read())

    def control(self, command: dict) -> None:
        request = urllib.request.Request(
            f"{self.url}/__sandbox__/control",
            data=json.dumps(command).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=60).read()

    def settle_pending(self) -> dict[str, int]:
        """Mercado Pago decides what is still pending: 4 in 5 approved, the rest rejected."""
        settled = {"approved": 0, "rejected": 0}
        for payment in self.state()["payments"]:
            if payment["status"] in ("pending", "in_process"):
                status = "rejected" if payment["id"] % 5 == 0 else "approved"
                self.control({"set_status": {"payment_id": str(payment["id"]), "status": status}})
                settled[status] += 1
        return settled

    def wait_for_webhooks(self, expected: int, seconds: float = 120) -> dict:
        """Until every notification got an answer from the store (or the time is up)."""
        deadline = time.time() + seconds
        while True:
            state = self.state()
            if len(state["delivered"]) >= expected or time.time() > deadline:
                return state
            time.sleep(1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


# -- the machine during the run -------------------------------------------------------------


def warm_up(base: str, catalogue: dict, workers: int) -> None:
    """A few rounds of the main pages, so the figures are those of a running shop, not of
    processes importing modules and filling their caches for the first time."""
    paths = ["/", "/?q=linen", "/cart/", "/accounts/login/"]
    paths += [f"/c/{slug}/" for slug in catalogue["categories"]]
    paths += [f"/p/{product['slug']}/" for product in catalogue["products"][:12]]
    for _round in range(workers):
        for path in paths:
            urllib.request.urlopen(base + path, timeout=60).read()


def _stat(pid: int) -> tuple[int, float, str]:
    """A process's parent, the CPU seconds it used so far, and its command line."""
    text = Path(f"/proc/{pid}/stat").read_text()
    comm, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        command = ""
    seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return int(fields[1]), seconds, command.strip()[:200] or f"[{comm}]"


def _short(command: str) -> str:
    """`python -m pytest -q ...` -> "python -m pytest": enough to tell processes apart."""
    words = [word.rsplit("/", 1)[-1] for word in command.split()[:3]]
    if words and not words[0].startswith("python"):
        words = words[:1]
    return " ".join(words)[:40] or "?"


class MachineLoad:
    """Samples the whole machine every few seconds while the load runs: load average, CPU
    used by this test (gunicorn, locust, the sandbox, PostgreSQL serving `load`) and by
    everything else on the machine (other people's work)."""

    OURS = re.compile(rf"^postgres: .*: \S+ {DATABASE} ")

    def __init__(self, roots: list[int], interval: float = 5.0):
        self.roots, self.interval = roots, interval
        self.samples: list[dict] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def snapshot(self) -> dict:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stats[int(entry.name)] = _stat(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue
        children: dict[int, list[int]] = {}
        for pid, (parent, _seconds, _name) in stats.items():
            children.setdefault(parent, []).append(pid)
        ours, todo = set(), list(self.roots)
        while todo:
            pid = todo.pop()
            ours.add(pid)
            todo += children.get(pid, [])
        processes = {}
        for pid, (_parent, seconds, name) in stats.items():
            mine = pid in ours or bool(self.OURS.match(name))
            processes[pid] = (seconds, mine, _short(name))
        cpu = [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return {
            "at": time.monotonic(),
            "load1": float(Path("/proc/loadavg").read_text().split()[0]),
            "processes": processes,
            # user nice system idle iowait irq softirq steal: busy and total jiffies
            "busy": sum(cpu[:3]) + sum(cpu[5:8]),
            "total": sum(cpu[:8]),
        }

    def run(self):
        while not self.stopping.is_set():
            self.samples.append(self.snapshot())
            self.stopping.wait(self.interval)

    def start(self):
        self.thread.start()

    def stop(self) -> dict:
        self.stopping.set()
        self.thread.join()
        self.samples.append(self.snapshot())
        first, last = self.samples[0], self.samples[-1]
        elapsed = last["at"] - first["at"]
        cores = os.cpu_count() or 1
        # Per process: CPU from its first sample (0 if it started later) to its last one, so
        # locust, which is gone by the final sample, still counts.
        seen: dict[int, list] = {}
        for sample in self.samples:
            for pid, (seconds, mine, name) in sample["processes"].items():
                start = 0.0 if sample is not first else seconds
                entry = seen.setdefault(pid, [start, seconds, mine, name])
                entry[1:] = [seconds, entry[2] or mine, name]
        used_by = {"ours": {}, "others": {}}
        for start, end, mine, name in seen.values():
            group = used_by["ours" if mine else "others"]
            group[name] = group.get(name, 0.0) + max(end - start, 0.0)
        loads = [s["load1"] for s in self.samples]
        busy = (last["busy"] - first["busy"]) / max(last["total"] - first["total"], 1)
        ours_share = sum(used_by["ours"].values()) / (elapsed * cores) if elapsed else 0.0

        def top(group: dict) -> list[dict]:
            biggest = sorted(group.items(), key=lambda item: -item[1])[:6]
            return [
                {"process": name, "cpu_pct": round(100 * used / (elapsed * cores), 1)}
                for name, used in biggest
                if elapsed
            ]

        return {
            "seconds": round(elapsed, 1),
            "cores": cores,
            "load1_mean": round(sum(loads) / len(loads), 2),
            "load1_max": max(loads),
            "cpu_busy_pct": round(100 * busy, 1),
            "cpu_this_test_pct": round(100 * ours_share, 1),
            # The machine's busy time minus this test's: includes processes that came and went.
            "cpu_others_pct": round(100 * max(busy - ours_share, 0.0), 1),
            "ours_top": top(used_by["ours"]),
            "others_top": top(used_by["others"]),
        }


class Waits:
    """Where the store's time goes, sampled twice a second: the state of each gunicorn worker
    (R: running or waiting for a CPU, S: sleeping, i.e. idle or waiting for PostgreSQL, Redis
    or the sandbox, D: waiting for the disk) and what PostgreSQL's backends for `load` do."""

    QUERY = (
        "SELECT state, coalesce(wait_event_type, ''), count(*) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1, 2"
    )

    def __init__(self, server: Server, database_url: str, interval: float = 0.5):
        self.server, self.database_url, self.interval = server, database_url, interval
        self.workers: dict[str, int] = {}
        self.database: dict[str, int] = {}
        self.ticks = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            workers: list[int] = []
            while not self.stopping.wait(self.interval):
                if self.ticks % 20 == 0:  # a restarted worker gets a new pid
                    workers = self.server.worker_pids()
                self.ticks += 1
                for pid in workers:
                    try:
                        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                    except (OSError, IndexError):
                        continue
                    self.workers[state] = self.workers.get(state, 0) + 1
                for state, wait, count in conn.execute(self.QUERY, (DATABASE,)).fetchall():
                    key = f"{state or '?'}{' / ' + wait if wait else ''}"
                    self.database[key] = self.database.get(key, 0) + count

    def start(self):
        self.thread.start()

    def stop(self) -> dict:
        self.stopping.set()
        self.thread.join()
        seen = sum(self.workers.values()) or 1
        ticks = self.ticks or 1
        return {
            "samples": self.ticks,
            "worker_states_pct": {
                state: round(100 * n / seen, 1) for state, n in sorted(self.workers.items())
            },
            "database_backends_mean": {
                key: round(n / ticks, 2) for key, n in sorted(self.database.items())
            },
        }


# -- locust ----------------------------------------------------------------------------------


def run_locust(args, base: str, sandbox: Sandbox, work: Path, env: dict) -> subprocess.Popen:
    command = [
        PYTHON,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate or max(args.users / 20, 1)),
        "--run-time",
        args.run_time,
        "--host",
        base,
        "--csv",
        str(work / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    locust_env = {
        **env,
        "LOAD_CATALOGUE": str(work / "catalogue.json"),
        "LOAD_RESULTS": str(work / "locust_results.json"),
        "LOAD_SANDBOX_URL": sandbox.url,
    }
    log = open(work / "locust.log", "ab")  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(command, cwd=ROOT, env=locust_env, stdout=log, stderr=log)


def seconds(duration: str) -> int:
    """Locust's duration format (`90`, `30s`, `5m`, `1h30m`) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "": 1}
    parts = re.findall(r"(\d+)\s*([hms]?)", duration)
    return sum(int(number) * units[unit] for number, unit in parts)


SERVER_ERROR = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback|WORKER TIMEOUT|Internal Server Error")
SERVER_WARNING = re.compile(r"\bWARNING\b")


def server_log(log: Path) -> dict[str, list[str]]:
    """Errors and warnings in gunicorn's output (the store logs plain lines or JSON objects)."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return {
        "errors": [line for line in lines if SERVER_ERROR.search(line)],
        "warnings": [line for line in lines if SERVER_WARNING.search(line)],
    }


# -- the report ------------------------------------------------------------------------------


def verdicts(report: dict) -> list[dict]:
    total = next(r for r in report["requests"] if r["name"] == "Aggregated")
    db = report["database"]
    problems = db["problems"]
    webhooks = db["webhooks_by_http_status"]
    delivered = sum(webhooks.values())
    paid = db["orders_by_status"].get("paid", 0)
    errors = report["server_log"]["errors"]
    checks = [
        # (what, measured, holds, examples)
        ("zero failed requests (HTTP errors, timeouts, wrong pages)", total["failures"], total["failures"] == 0, []),
        ("zero server errors in gunicorn's log", errors["count"], errors["count"] == 0, errors["first"]),
        ("no variant below zero", len(problems["negative"]), not problems["negative"], problems["negative"]),
        ("no oversold variant (units in paid orders <= initial stock)", len(problems["oversold"]), not problems["oversold"], problems["oversold"]),
        ("stock moved only by paid orders (initial - now = sold)", len(problems["stock_mismatch"]), not problems["stock_mismatch"], problems["stock_mismatch"]),
        ("every approved payment paid its order (or was refunded, refund sent)", len(problems["payments"]), not problems["payments"], problems["payments"]),
        ("every paid order has its approved payment and invoice; every refund sent", len(problems["orders"]), not problems["orders"], problems["orders"]),
        ("every webhook answered 200 (count of other answers)", delivered - webhooks.get("200", 0), delivered == webhooks.get("200", 0), []),
        ("every notification delivered (count missing)", report["webhooks_expected"] - delivered, delivered >= report["webhooks_expected"], []),
        ("orders were paid (paid orders; runs under a minute are exempt)", paid, paid > 0 or report["settings"]["seconds"] < 60, []),
    ]  # fmt: skip
    return [
        {"check": name, "measured": measured, "ok": bool(holds), "examples": examples[:5]}
        for name, measured, holds, examples in checks
    ]


def markdown(report: dict) -> str:
    m, s, load = report["machine"], report["settings"], report["machine_load"]
    warnings = report["server_log"]["warnings"]
    db = report["database"]
    lines = [
        f"# Load test {report['when']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, {m['gunicorn']}, locust {report['locust']}; PostgreSQL, Redis db 4.",
        f"Settings: {s['users']} shoppers (spawn rate {s['spawn_rate']}/s) for {s['run_time']}, "
        f"gunicorn {s['workers']} sync workers, DEBUG off; think time 1-4 s between steps and "
        "2-6 s between journeys; offline Mercado Pago sandbox sending webhooks.",
        f"Machine during the run: load average {load['load1_mean']} (max {load['load1_max']}) "
        f"on {load['cores']} cores, CPU {load['cpu_busy_pct']}% busy: this test (gunicorn, "
        f"locust, sandbox, PostgreSQL for `load`) {load['cpu_this_test_pct']}%, other work "
        f"{load['cpu_others_pct']}% (biggest: "
        + ", ".join(f"{p['process']} {p['cpu_pct']}%" for p in load["others_top"])
        + "). gunicorn workers' states (R running or waiting for a CPU, S sleeping, D disk): "
        + ", ".join(f"{k} {v}%" for k, v in load["worker_states_pct"].items())
        + "; PostgreSQL backends for `load` on average: "
        + ", ".join(f"{k} {v}" for k, v in load["database_backends_mean"].items())
        + ".",
        "",
        "## Invariants",
        "",
        "| check | measured | ok |",
        "|---|---:|---|",
    ]
    for v in report["verdicts"]:
        lines.append(f"| {v['check']} | {v['measured']} | {'yes' if v['ok'] else '**NO**'} |")
        lines += [f"|   ↳ {example} | | |" for example in v["examples"]]
    lines += [
        "",
        f"gunicorn's log: {report['server_log']['errors']['count']} errors, "
        f"{warnings['count']} warnings"
        + (f" (first: `{warnings['first'][0][:200]}`)" if warnings["count"] else "")
        + ".",
        "",
        "## Requests (ms; locust rounds times above 100 ms to 2 significant digits)",
        "",
        "| request | count | failures | req/s | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["requests"]:
        name = "**all requests**" if r["name"] == "Aggregated" else f"{r['method']} {r['name']}"
        lines.append(
            f"| {name} | {r['count']} | {r['failures']} | {r['rps']} | {r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['max_ms']} |"
        )
    if report["failures"]:
        lines += ["", "## Failures", "", "| request | error | count |", "|---|---|---:|"]
        lines += [
            f"| {f['name']} | {f['error'][:160]} | {f['occurrences']} |" for f in report["failures"]
        ]
    lines += ["", "## What the shoppers got", "", "| outcome | count |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in report["outcomes"].items()]
    lines += [
        "",
        "## Orders, payments and stock",
        "",
        f"Orders by status: {json.dumps(db['orders_by_status'], sort_keys=True)}; "
        f"sandbox payments by status: {json.dumps(db['payments_by_status'], sort_keys=True)}; "
        f"pending payments settled after the run: {json.dumps(report['settled_after_run'])}; "
        f"webhooks by the store's answer: {json.dumps(db['webhooks_by_http_status'])}. "
        f"Units sold: {db['units_sold']}, revenue R$ {db['revenue']}. "
        f"gunicorn worker peak RSS: {', '.join(f'{kb / 1024:.0f} MB' for kb in report['worker_peak_rss_kb'])}.",
        "",
        "| drop variant | initial | sold (paid) | held (unpaid orders) | left |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {d['variant']} | {d['initial']} | {d['sold']} | {d['held']} | {d['left']} |"
        for d in db["drop"]
    ]
    verdict = "PASSED" if all(v["ok"] for v in report["verdicts"]) else "FAILED"
    lines += ["", f"Result: **{verdict}**"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=None, help="default: users / 20")
    parser.add_argument("--run-time", default="5m", help="locust's format: 30s, 5m, 1h")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--sandbox-port", type=int, default=8101)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server; the test drops and creates its own database `load` on it",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--inside", choices=["setup", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--payload", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        payload = json.loads(args.payload)
        work = setup_catalogue if args.inside == "setup" else check_invariants
        print(json.dumps(work(payload)))
        return

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    work = RESULTS / f"load-{stamp}.tmp"  # raw files (CSV, logs); git ignores *.tmp
    work.mkdir(parents=True)
    base = f"http://127.0.0.1:{args.port}"
    sandbox_url = f"http://127.0.0.1:{args.sandbox_port}"
    print(f"load test: {args.users} shoppers for {args.run_time}; raw files in {work}", flush=True)

    ensure_css()
    env = production_env(
        database_url=fresh_postgres(args.database_url, DATABASE),
        port=args.port,
        redis_url=reset_redis(args.redis_url),
        EMAIL_URL="dummymail://",
        MERCADOPAGO_API_BASE_URL=sandbox_url,
        MERCADOPAGO_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    env.pop("MERCADOPAGO_ACCESS_TOKEN", None)  # no credentials: the store uses the sandbox
    manage(env, "migrate", "--noinput")
    # A throwaway database: the published demo password and token are what the load test uses.
    manage(env, "seed_demo", "--with-published-staff-password-and-credit-token")
    catalogue = inside_django("setup", env, {"members": args.users})
    (work / "catalogue.json").write_text(json.dumps(catalogue))
    manage(env, "collectstatic", "--noinput")

    sandbox = Sandbox(env, args.sandbox_port, work / "sandbox.log")
    server = Server(env, args.port, args.workers, log=work / "gunicorn.log")
    locust = None
    try:
        warm_up(base, catalogue, args.workers)
        locust = run_locust(args, base, sandbox, work, env)
        sampler = MachineLoad([os.getpid()])  # run.py and its children: gunicorn, sandbox, locust
        waits = Waits(server, env["DATABASE_URL"])
        sampler.start()
        waits.start()
        print("  locust running...", flush=True)
        locust.wait()
        machine_load = {**sampler.stop(), **waits.stop()}
        print("  settling pending payments and waiting for webhooks...", flush=True)
        if not (work / "locust_results.json").exists():
            raise RuntimeError(f"locust failed: see {work / 'locust.log'}")
        results = json.loads((work / "locust_results.json").read_text())
        settled = sandbox.settle_pending()
        updates = sum(
            v for k, v in results["outcomes"].items() if k.startswith("pending payments later")
        )
        payments = len(sandbox.state()["payments"])
        expected = payments + updates + sum(settled.values())
        state = sandbox.wait_for_webhooks(expected)
        (work / "sandbox_state.json").write_text(json.dumps(state))
        rss = server.worker_peak_rss_kb()
    finally:
        if locust is not None and locust.poll() is None:
            locust.terminate()
            locust.wait(timeout=30)
        server.stop()
        sandbox.stop()

    database = inside_django(
        "check",
        env,
        {
            "catalogue": str(work / "catalogue.json"),
            "sandbox_state": str(work / "sandbox_state.json"),
        },
    )
    logged = server_log(work / "gunicorn.log")
    locust_version = subprocess.run(
        [PYTHON, "-m", "locust", "--version"], capture_output=True, text=True
    ).stdout.split()
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine("postgresql"),
        "locust": locust_version[1] if len(locust_version) > 1 else "?",
        "settings": {
            "users": args.users,
            "spawn_rate": args.spawn_rate or max(args.users / 20, 1),
            "run_time": args.run_time,
            "seconds": seconds(args.run_time),
            "workers": args.workers,
        },
        "machine_load": machine_load,
        "requests": results["requests"],
        "failures": results["failures"],
        "outcomes": results["outcomes"],
        "settled_after_run": settled,
        "webhooks_expected": expected,
        "server_log": {
            kind: {"count": len(found), "first": found[:50]} for kind, found in logged.items()
        },
        "database": database,
        "worker_peak_rss_kb": rss,
        "raw_files": str(work.relative_to(ROOT)),
    }
    report["verdicts"] = verdicts(report)
    (RESULTS / f"load-{stamp}.json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    (RESULTS / f"load-{stamp}.md").write_text(text)
    print(text)
    if not all(v["ok"] for v in report["verdicts"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
