"""Locust users for benchmarks/cases.py. Tokens and form values come from the environment.

Mixed phase: each MixedResident submits bundle 8 about once a second and then reads the new
case's status; MixedOfficer users read their department's queue, five times fewer in all than
the submissions. Start times follow a Poisson process per user (exponential gaps), so the
offered load arrives as independent residents would, not in lockstep bursts every second
(Locust's constant_throughput keeps users in the phase they were spawned in, and they are
spawned in batches). The number of users (set by benchmarks/cases.py) fixes the offered rate.
Capacity phase: CapacityResident submits without pause.
"""

import json
import os
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from locust import task
from locust.contrib.fasthttp import FastHttpUser

SETUP = json.loads(os.environ["BENCH_SETUP"])
RATE = float(os.environ.get("BENCH_RATE", "110"))


def poisson_pacing(per_second: float) -> Callable[[Any], float]:
    """Wait so that a user's task starts form a Poisson process of the given rate; a user
    that fell behind starts at once and does not try to catch up."""

    def wait_time(user: Any) -> float:
        now = time.monotonic()
        planned = getattr(user, "next_start", now) + random.expovariate(per_second)
        user.next_start = max(planned, now)
        return user.next_start - now

    return wait_time


class Resident(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {SETUP['resident_token']}"}

    def submit(self) -> str | None:
        """One request: form, answers and submission together (bundle 8 with answers that
        need no uploads). Returns the new case's number."""
        body = {
            "bundle": 8,
            "answers": SETUP["answers"],
            "form_data": SETUP["form"],
            "submit": True,
        }
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        with self.rest(
            "POST", "/api/v1/cases/", json=body, headers=headers, name="submit bundle"
        ) as r:
            if r.status_code != 201:
                r.failure(f"status {r.status_code}")
                return None
            return r.js["number"]

    def read(self, number: str) -> None:
        self.client.get(f"/api/v1/cases/{number}/", headers=self.headers, name="status read")


class MixedResident(Resident):
    wait_time = poisson_pacing(1.0)

    @task
    def submit_and_follow(self) -> None:
        number = self.submit()
        self.read(number or random.choice(SETUP["sample_numbers"]))


class MixedOfficer(FastHttpUser):
    wait_time = poisson_pacing(2.0)
    fixed_count = max(1, int(RATE / 10))

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {random.choice(SETUP['officer_tokens'])}"}

    @task
    def queue(self) -> None:
        self.client.get("/api/v1/subcases/", headers=self.headers, name="department queue")


class CapacityResident(Resident):
    @task
    def submit_only(self) -> None:
        self.submit()
