"""Fault test: the worker is killed mid-dispatch and the broker is stopped for a while, yet
every sub-case reaches its department exactly once.

Real processes: a private redis-server, a Celery worker with beat, and the platform's
database in a temporary SQLite file. A department system is played by a small HTTP server
that applies each event once per Idempotency-Key, and that kills the worker while it is
waiting for the answer to one delivery. Skipped, saying why, where redis-server is missing.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed")
MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

SCENARIO = """
from django.contrib.auth.models import User
from govsvc.bundles.models import Bundle
from govsvc.cases import services
from govsvc.cases.tests import personas
bundle = Bundle.objects.get(list_no=8)
resident = User.objects.get(username="resident")
applicant = services.applicant_for(resident)
plan = services.plan(bundle, {}, "person")
lead = bundle.lead_departments.first()
clerk = User.objects.filter(staff_profile__department=lead).first()
for _ in range(COUNT):
    case = services.save_draft(resident, applicant, bundle=bundle)
    case.form_data = {f.key: personas.sample_value({"type": f.type, "choices": [c for c, _ in f.choices]}) for f in plan.form.fields}
    case.save()
    for m in plan.materials:
        if m.asked:
            services.attach_material(case, m.name, personas.pdf())
    case = services.submit(case, resident)
    services.accept(case, clerk)
print("ok")
"""
SUBSCRIBE = """
from govsvc.cases.models import WebhookSubscription
from govsvc.directory.models import Department
for d in Department.objects.all():
    WebhookSubscription.objects.get_or_create(department=d, url="URL", defaults={"secret": "s", "topics": ["subcase_dispatched"]})
"""
EXPECTED = """
import json
from govsvc.cases.models import OutboxEvent, SubCase, WebhookDelivery
ids = sorted(str(e) for e in OutboxEvent.objects.filter(topic="subcase_dispatched").values_list("id", flat=True))
subs = SubCase.objects.exclude(dispatched_at=None).count()
pending = WebhookDelivery.objects.exclude(status="delivered").count()
print(json.dumps({"ids": ids, "dispatched": subs, "pending": pending}))
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Department:
    """A department system: applies each event once, however often it is sent."""

    def __init__(self) -> None:
        self.applied: Counter[str] = Counter()
        self.received = 0
        self.kill: Any = None
        self.lock = threading.Lock()
        department = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                with department.lock:
                    department.received += 1
                    kill, department.kill = department.kill, None
                if kill is not None:
                    kill()  # the worker dies while waiting for this answer
                    time.sleep(0.5)
                    self.connection.close()
                    return
                assert json.loads(body)["id"] == key
                with department.lock:
                    if key not in department.applied:
                        department.applied[key] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", _port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


def test_every_sub_case_arrives_exactly_once_despite_a_dead_worker_and_a_stopped_broker(
    tmp_path: Path,
) -> None:
    redis_port = _port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_SWEEP_SECONDS": "1",
        "CASES_DELIVERY_LEASE_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }

    def manage(*args: str) -> str:
        return subprocess.run(
            [*MANAGE, *args], env=env, check=True, capture_output=True, text=True
        ).stdout

    def shell(code: str) -> str:
        return manage("shell", "-c", code)

    def start_redis() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                str(REDIS),
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        return proc

    def start_worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--pool=solo",
             "-l", "warning", "-s", str(tmp_path / "beat-schedule")],
            env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # with -B, beat runs in a child: kill them together
        )  # fmt: skip

    def kill_worker(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_reference_data"],
        ["create_demo_accounts"],
    ):
        manage(*command)
    department = Department()
    shell(SUBSCRIBE.replace("URL", department.url))
    redis = start_redis()
    worker = start_worker()
    try:
        time.sleep(4)
        # 1. The worker is killed while it waits for a department's answer.
        department.kill = lambda: os.killpg(worker.pid, signal.SIGKILL)
        shell(SCENARIO.replace("COUNT", "2"))
        deadline = time.monotonic() + 60
        while worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert worker.poll() is not None, "the worker was not killed"
        worker = start_worker()

        # 2. The broker stops; cases are still accepted and their events wait in the outbox.
        redis.terminate()
        redis.wait(timeout=10)
        shell(SCENARIO.replace("COUNT", "2"))
        time.sleep(2)
        redis = start_redis()

        # 3. Everything arrives, each exactly once.
        deadline = time.monotonic() + 120
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = json.loads(shell(EXPECTED).strip().splitlines()[-1])
            if state["pending"] == 0 and set(state["ids"]) <= set(department.applied):
                break
            time.sleep(1)
        assert state["dispatched"] == len(state["ids"]) > 0
        assert set(department.applied) == set(state["ids"])
        assert all(count == 1 for count in department.applied.values())
        assert department.received > len(state["ids"]), "the killed delivery was sent again"
    finally:
        kill_worker(worker)
        redis.terminate()
        department.server.shutdown()
