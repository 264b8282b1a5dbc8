"""What the benchmarks serve with gunicorn.

gunicorn 'bench.app:create_bench_app()'   the real app; BENCH_NOW fixes its clock,
                                          or BENCH_CLOCK_START + BENCH_CLOCK_EPOCH
                                          make it run from a chosen instant
gunicorn bench.app:bare                   a bare Flask route returning a constant:
                                          the yardstick for the ratios
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

from flask import Flask

from channels import create_app


def create_bench_app() -> Flask:
    config: dict = {}
    if os.environ.get("BENCH_NOW"):
        fixed = datetime.fromisoformat(os.environ["BENCH_NOW"])
        config["CLOCK"] = lambda: fixed
    elif os.environ.get("BENCH_CLOCK_START"):
        start = datetime.fromisoformat(os.environ["BENCH_CLOCK_START"])
        epoch = float(os.environ["BENCH_CLOCK_EPOCH"])
        config["CLOCK"] = lambda: start + timedelta(seconds=time.time() - epoch)
    return create_app(config)


bare = Flask("bare")


@bare.get("/")
def constant() -> str:
    return "ok"
