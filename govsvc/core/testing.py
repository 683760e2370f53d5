"""Test support: the real platform served from a fresh SQLite database, and Chromium.

``live_platform`` prepares a database the way ``make run`` does (migrate, reference data,
demo accounts), serves it with ``manage.py runserver`` and yields the base URL together with a
``manage`` helper that runs management commands against the same database.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@dataclass
class LivePlatform:
    url: str
    manage: Callable[..., str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


FULL_SETUP = (["migrate", "--noinput", "-v0"], ["load_reference_data"], ["create_demo_accounts"])


def serve_platform(var: Path, setup: tuple[list[str], ...] = FULL_SETUP) -> Iterator[LivePlatform]:
    env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}"}
    base = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

    def manage(*args: str) -> str:
        done = subprocess.run([*base, *args], env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    for command in setup:
        manage(*command)
    port = _free_port()
    proc = subprocess.Popen(
        [*base, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        yield LivePlatform(f"http://127.0.0.1:{port}", manage)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
