"""Settings read from the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def database_of(tmp_path: Path, value: str) -> str:
    env = {**os.environ, "DATABASE_URL": value, "VAR_DIR": str(tmp_path)}
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_an_empty_database_url_means_the_embedded_sqlite(tmp_path):
    # `DATABASE_URL= make run` must start the embedded default, not fail on an empty scheme.
    assert database_of(tmp_path, "") == str(tmp_path / "govsvc.sqlite3")
    assert database_of(tmp_path, "postgres://u@127.0.0.1:5432/other") == "other"
