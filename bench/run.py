"""The store's benchmark: `make bench` (or `.venv/bin/python bench/run.py`).

For each catalogue size it builds a fresh database with `seed_demo --products N`, serves the
store with gunicorn and production settings (DEBUG off), and drives load with wrk from a
separate process over loopback: a bare baseline view and the store's requests, at a fixed
concurrency and duration. It writes a Markdown table and a JSON file to bench/results/.
See bench/README.md for how to read them and for the budgets.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from harness import (
    CSS,
    PYTHON,
    RESULTS,
    ROOT,
    Server,
    fresh_postgres,
    manage,
    production_env,
    reset_redis,
)
from harness import machine as machine_info

WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
# A throwaway database: the published demo password and token do no harm there.
DEMO_UNDER_DEBUG_OFF = "--with-published-staff-password-and-credit-token"

BUDGETS = {
    "ratio": {"listing": 0.40, "search": 0.40, "product": 0.40, "qty_change": 0.50, "picker": 0.50},
    "p95_ms": 50.0,
    "growth": {"listing": 1.5, "search": 1.5, "product": 1.5},
    "fragment_bytes": 4 * 1024,
    "page_bytes": 60 * 1024,
    "css_bytes": 40 * 1024,
}
FRAGMENTS = {"qty_change", "picker"}
PAGES = {"listing", "search", "product", "cart"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    """The shared cache production uses; the benchmark flushes its own Redis database."""
    return reset_redis(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))


def bench_env(database_url: str, port: int) -> dict[str, str]:
    return production_env(database_url=database_url, port=port, redis_url=redis_url())


def database_for(size: int) -> str:
    """A fresh database for one run: PostgreSQL when DATABASE_URL points at one, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return fresh_postgres(url, f"store_bench_{size}")
    path = RESULTS / f"bench-{size}.sqlite3"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def shopper_session(base: str, variants: list[dict]) -> dict:
    """A cart with five lines, made over HTTP like a browser would (CSRF cookie and token)."""
    import requests

    session = requests.Session()
    page = session.get(base + "/", timeout=10)
    token = session.cookies["csrftoken"]
    for variant in variants:
        response = session.post(
            base + "/cart/add/",
            data={**variant, "quantity": "1", "csrfmiddlewaretoken": token},
            headers={"Referer": base + "/"},
            timeout=10,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
    cart = session.get(base + "/cart/", timeout=10).text
    lines = re.findall(r'data-line-id="(\d+)"', cart)
    assert len(lines) == len(variants), page.status_code
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return {
        "cookie": cookie,
        "csrftoken": token,
        "line": lines[0],
        "cart_cookie": session.cookies["cart"],
    }


def wrk(url: str, *, duration: int, connections: int, method="GET", headers="", body="") -> dict:
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_HEADERS": headers, "BENCH_BODY": body}
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    data = json.loads(output.split("JSON", 1)[1].strip())
    seconds = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "errors": data["errors"],
        "requests": data["requests"],
    }


def requests_table(session: dict) -> dict[str, dict]:
    common = f"Cookie: {session['cookie']}"
    htmx = f"{common}\nHX-Request: true"
    return {
        "baseline": {"path": "/healthz/live"},
        "listing": {"path": "/"},
        "search": {"path": "/?q=linen&size=M&color=navy"},
        "product": {"path": "/p/classic-linen-shirt/"},
        "cart": {"path": "/cart/", "headers": common},
        "qty_change": {
            "path": f"/cart/lines/{session['line']}/quantity/",
            "method": "POST",
            "headers": f"{htmx}\nX-CSRFToken: {session['csrftoken']}\nContent-Type: application/x-www-form-urlencoded",
            "body": "quantity=1|quantity=2",
        },
        # The variant picker fragment: the product's variants with their sellable stock.
        "picker": {"path": "/p/classic-linen-shirt/?color=navy&size=M", "headers": htmx},
    }


def measure_in_process(table: dict, session: dict) -> dict[str, dict]:
    """Bytes and SQL queries per request (the second of two, so caches are warm), through
    Django's test client on the same database."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["cart"] = session["cart_cookie"]
    figures = {}
    for name, spec in table.items():
        extra = {"HTTP_HX_REQUEST": "true"} if "HX-Request" in spec.get("headers", "") else {}
        for _warm_then_measure in range(2):  # the figure is for a warm cache, as under load
            with CaptureQueriesContext(connection) as queries:
                if spec.get("method") == "POST":
                    response = client.post(spec["path"], {"quantity": "1"}, **extra)
                else:
                    response = client.get(spec["path"], **extra)
        assert response.status_code == 200, (name, response.status_code)
        figures[name] = {"queries": len(queries), "bytes": len(response.content)}
    return figures


def demo_variants() -> list[dict]:
    import django

    django.setup()
    from store.models import Variant

    chosen = (
        Variant.objects.filter(
            quantity__gte=5, product__is_active=True, product__slug__startswith="bulk-"
        )
        .select_related("product", "color", "size")
        .order_by("id")[:5]
    )
    return [
        {
            "product": v.product_id,
            "color": v.color.slug if v.color else "",
            "size": v.size.name if v.size else "",
        }
        for v in chosen
    ]


def inspect(env: dict, what: str, payload: dict | None = None):
    """Run a Django-side measurement in a child process bound to this run's database."""
    command = [
        PYTHON,
        str(Path(__file__)),
        "--inspect",
        what,
        "--payload",
        json.dumps(payload or {}),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"inspect {what} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_size(size: int, args) -> dict:
    port = free_port()
    env = bench_env(database_for(size), port)
    timings = {"migrate_s": round(manage(env, "migrate", "--noinput"), 1)}
    timings["seed_s"] = round(
        manage(env, "seed_demo", "--products", str(size), DEMO_UNDER_DEBUG_OFF), 1
    )
    manage(env, "collectstatic", "--noinput")
    server = Server(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        session = shopper_session(base, inspect(env, "variants"))
        table = requests_table(session)
        in_process = inspect(env, "requests", {"table": table, "session": session})
        results = {}
        for name, spec in table.items():
            url = base + spec["path"]
            kwargs = {k: spec[k] for k in ("method", "headers", "body") if k in spec}
            wrk(url, duration=2, connections=args.connections, **kwargs)  # warm-up
            results[name] = {
                **wrk(url, duration=args.duration, connections=args.connections, **kwargs),
                **in_process[name],
            }
            print(
                f"  {size:>7} {name:<11} {results[name]['rps']:>8} req/s  p95 {results[name]['p95_ms']} ms",
                flush=True,
            )
        baseline = results["baseline"]["rps"]
        for figures in results.values():
            figures["ratio"] = round(figures["rps"] / baseline, 3) if baseline else 0.0
        rss = server.worker_peak_rss_kb()
    finally:
        server.stop()
    return {"products": size, "timings": timings, "requests": results, "worker_peak_rss_kb": rss}


def budgets(runs: list[dict]) -> list[dict]:
    verdicts = []
    small, large = runs[0], runs[-1]

    def add(rule, measured, met):
        verdicts.append({"rule": rule, "measured": measured, "met": bool(met)})

    for run in runs:
        n = run["products"]
        for name, figures in run["requests"].items():
            if name in BUDGETS["ratio"]:
                wanted = BUDGETS["ratio"][name]
                add(
                    f"{name} ≥ {wanted:.0%} of baseline req/s ({n} products)",
                    f"{figures['ratio']:.1%}",
                    figures["ratio"] >= wanted,
                )
            if name != "baseline":
                add(
                    f"{name} p95 < {BUDGETS['p95_ms']:.0f} ms ({n} products)",
                    f"{figures['p95_ms']} ms",
                    figures["p95_ms"] < BUDGETS["p95_ms"],
                )
            add(
                f"{name} zero errors ({n} products)", str(figures["errors"]), figures["errors"] == 0
            )
    if len(runs) > 1:
        for name, factor in BUDGETS["growth"].items():
            a, b = small["requests"][name]["p95_ms"], large["requests"][name]["p95_ms"]
            add(
                f"{name} p95 at {large['products']} ≤ {factor}× {small['products']}",
                f"{b} vs {a} ms ({b / a:.2f}×)",
                b <= factor * a,
            )
    for name, figures in large["requests"].items():
        if name in FRAGMENTS:
            add(
                f"{name} fragment < 4 KB",
                f"{figures['bytes']} B",
                figures["bytes"] < BUDGETS["fragment_bytes"],
            )
        if name in PAGES:
            add(
                f"{name} page < 60 KB",
                f"{figures['bytes']} B",
                figures["bytes"] < BUDGETS["page_bytes"],
            )
    css = CSS.stat().st_size
    add("CSS < 40 KB", f"{css} B", css < BUDGETS["css_bytes"])
    return verdicts


def machine() -> dict:
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[
        :1
    ]
    database = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    return {**machine_info(database), "wrk": wrk_version[0] if wrk_version else ""}


def markdown(report: dict) -> str:
    lines = [f"# Benchmark {report['when']}", ""]
    m = report["machine"]
    lines += [
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, Django {m['django']}, "
        f"{m['gunicorn']}, {m['wrk']}; database: {m['database']}.",
        f"Settings: DEBUG off, gunicorn {report['settings']['workers']} sync workers, wrk 2 threads, "
        f"{report['settings']['connections']} connections, {report['settings']['duration']} s per request after a 2 s warm-up.",
        "",
    ]
    for run in report["runs"]:
        lines += [
            f"## {run['products']:,} products (seed {run['timings']['seed_s']} s; worker peak RSS "
            f"{', '.join(f'{kb / 1024:.0f} MB' for kb in run['worker_peak_rss_kb'])})",
            "",
            "| request | req/s | ratio to baseline | p50 ms | p95 ms | p99 ms | errors | bytes | SQL queries |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, f in run["requests"].items():
            lines.append(
                f"| {name} | {f['rps']} | {f['ratio']:.1%} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | "
                f"{f['errors']} | {f['bytes']} | {f['queries']} |"
            )
        lines.append("")
    lines += ["## Budgets", "", "| budget | measured | met |", "|---|---|---|"]
    lines += [
        f"| {v['rule']} | {v['measured']} | {'yes' if v['met'] else '**no**'} |"
        for v in report["budgets"]
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--inspect", choices=["variants", "requests"], help=argparse.SUPPRESS)
    parser.add_argument("--payload", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inspect:
        sys.path.insert(0, str(ROOT))
        payload = json.loads(args.payload)
        if args.inspect == "variants":
            print(json.dumps(demo_variants()))
        else:
            print(json.dumps(measure_in_process(payload["table"], payload["session"])))
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    runs = [run_size(size, args) for size in args.products]
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "settings": {
            "workers": args.workers,
            "connections": args.connections,
            "duration": args.duration,
        },
        "runs": runs,
    }
    report["budgets"] = budgets(runs)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    (RESULTS / f"bench-{stamp}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
