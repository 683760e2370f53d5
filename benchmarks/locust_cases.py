"""Locust users for benchmarks/cases.py: residents submit bundle 8, read their case's status;
department officers read their queue. Tokens and form values come from the environment."""

import json
import os
import random
import uuid

from locust import HttpUser, between, task

SETUP = json.loads(os.environ["BENCH_SETUP"])


class Resident(HttpUser):
    weight = 3
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {SETUP['resident_token']}"}
        self.numbers: list[str] = []

    @task(2)
    def submit_bundle(self) -> None:
        body = {"bundle": 8, "answers": SETUP["answers"], "form_data": SETUP["form"]}
        key = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        if not SETUP["materials"]:
            # One request: form, answers and submission together.
            done = self.client.post(
                "/api/v1/cases/", json={**body, "submit": True}, headers=key, name="submit bundle"
            )
            if done.status_code == 201:
                self.numbers.append(done.json()["number"])
            return
        created = self.client.post(
            "/api/v1/cases/", json=body, headers=self.headers, name="create draft"
        )
        if created.status_code != 201:
            return
        number = created.json()["number"]
        for material in SETUP["materials"]:
            self.client.post(
                f"/api/v1/cases/{number}/materials/",
                data={"name": material},
                files={"file": ("scan.pdf", b"%PDF-1.4\n%\n", "application/pdf")},
                headers=self.headers,
                name="upload material",
            )
        submitted = self.client.post(
            f"/api/v1/cases/{number}/submit/", headers=key, name="submit bundle"
        )
        if submitted.status_code == 200:
            self.numbers.append(number)

    @task(3)
    def read_status(self) -> None:
        number = random.choice(self.numbers or SETUP["sample_numbers"])
        self.client.get(f"/api/v1/cases/{number}/", headers=self.headers, name="status read")


class Officer(HttpUser):
    weight = 1
    wait_time = between(0.0, 0.05)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {random.choice(SETUP['officer_tokens'])}"}

    @task
    def queue(self) -> None:
        self.client.get("/api/v1/subcases/", headers=self.headers, name="department queue")
