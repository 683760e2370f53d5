"""12345 hotline benchmark: training time, classifications per second, intake latency.

Run: .venv/bin/python benchmarks/hotline.py [--rows 10000] [--tickets 400] [--threads 4]

Everything runs on one core: the process is pinned to a single CPU (sched_setaffinity)
and BLAS threads are limited to 1, so the rates are what one core delivers. The data are
the committed generator's messages, so the numbers measure speed, not accuracy.

Classification is timed two ways: one message per call, as ticket intake does it (the
compiled scorer), and the whole batch in one call (scikit-learn's vectorised transform). Intake latency uses a
throw-away test database (SQLite unless DATABASE_URL says otherwise) and includes the
classifier's proposal, the catalogue lookup, the event row, the audit record and the
burst check on the caller's street.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
PINNED_CPU = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
if PINNED_CPU is not None:
    os.sched_setaffinity(0, {PINNED_CPU})
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from govsvc.hotline import classifier, services  # noqa: E402
from govsvc.hotline.generator import generate_messages  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_training(rows: int) -> tuple[classifier.TicketClassifier, dict]:
    per_class = rows // 12 + 1
    messages = generate_messages(per_class, seed=101)[:rows]
    started, cpu = time.perf_counter(), time.process_time()
    model, report = classifier.train([m.text for m in messages], [m.category for m in messages])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"训练 {len(messages)} 条（含交叉验证选 C={report.chosen_c}）："
        f"{seconds:.1f} 秒（CPU {cpu_seconds:.1f} 秒）"
    )
    return model, {
        "train_rows": len(messages),
        "train_seconds": round(seconds, 2),
        "train_cpu_seconds": round(cpu_seconds, 2),
    }


def _rates(work, count: int) -> tuple[float, float]:
    """Items per second by the wall clock and by this process's CPU time.

    On a shared machine the wall clock also counts time spent waiting for the core; the
    CPU-time rate is what one core of our own delivers.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def bench_classification(model: classifier.TicketClassifier) -> dict:
    texts = [m.text for m in generate_messages(420, seed=202)]
    model.predict(texts[:10])  # the segmenter loads its dictionary on first use
    model.propose(texts[0])  # the compiled scorer is built on first use

    batch_wall, batch_cpu = _rates(lambda: model.pipeline.predict(texts), len(texts))
    single = texts[:2000]
    single_wall, single_cpu = _rates(lambda: [model.propose(t) for t in single], len(single))
    # Real tickets often run to a few hundred characters: five messages joined.
    long = ["".join(texts[i : i + 5]) for i in range(0, 5000, 5)]
    long_wall, _ = _rates(lambda: [model.propose(t) for t in long], len(long))
    print(
        f"批量分类（一次调用 {len(texts)} 条）：{batch_wall:,.0f} 条/秒（按CPU时间 {batch_cpu:,.0f}）；"
        f"逐条分类含置信度：{single_wall:,.0f} 条/秒（按CPU时间 {single_cpu:,.0f}）；"
        f"平均 {sum(map(len, long)) // len(long)} 字的长诉求逐条：{long_wall:,.0f} 条/秒"
    )
    return {
        "classify_batch_per_second": round(batch_wall),
        "classify_batch_per_cpu_second": round(batch_cpu),
        "classify_single_per_second": round(single_wall),
        "classify_single_per_cpu_second": round(single_cpu),
        "average_message_chars": round(sum(len(t) for t in texts) / len(texts)),
        "classify_single_long_per_second": round(long_wall),
        "long_message_chars": round(sum(len(t) for t in long) / len(long)),
    }


def bench_intake(model_path: Path, tickets: int, threads: int) -> dict:
    settings.HOTLINE_MODEL_PATH = str(model_path)
    classifier.forget_loaded()
    classifier.get_default_classifier()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # A file, not SQLite's shared in-memory database, so threads can write in turn.
        test_file = Path(settings.VAR_DIR) / "hotline" / "benchmark.sqlite3"
        connection.settings_dict["TEST"]["NAME"] = str(test_file)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from govsvc.directory.models import Region

        streets = list(Region.objects.filter(level="street")[:20]) or [None]
        texts = [m.text for m in generate_messages(tickets // 12 + 1, seed=303)]

        def create(i: int, latencies: list[float]) -> None:
            intake = services.Intake(
                content=texts[i % len(texts)],
                kind="complaint",
                caller_phone="13800000000",
                region=streets[i % len(streets)],
            )
            started = time.perf_counter()
            services.receive(intake)
            latencies.append((time.perf_counter() - started) * 1000)

        sequential: list[float] = []
        for i in range(tickets):
            create(i, sequential)

        loaded: list[float] = []
        per_thread = tickets // threads

        def worker(offset: int) -> None:
            for i in range(per_thread):
                create(offset + i, loaded)
            connection.close()

        workers = [threading.Thread(target=worker, args=(k * per_thread,)) for k in range(threads)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        throughput = len(loaded) / (time.perf_counter() - started)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    result = {
        "intake_p50_ms": round(statistics.median(sequential), 1),
        "intake_p95_ms": round(percentile(sequential, 0.95), 1),
        "intake_under_load_threads": threads,
        "intake_under_load_p50_ms": round(statistics.median(loaded), 1),
        "intake_under_load_p95_ms": round(percentile(loaded, 0.95), 1),
        "intake_under_load_per_second": round(throughput, 1),
        "database": connection.vendor,
    }
    r = result
    print(
        f"受理（含分类）单线程：p50 {r['intake_p50_ms']} ms，p95 {r['intake_p95_ms']} ms；"
        f"{threads} 线程并发：p50 {r['intake_under_load_p50_ms']} ms，"
        f"p95 {r['intake_under_load_p95_ms']} ms，{r['intake_under_load_per_second']} 件/秒"
        f"（{connection.vendor}）"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="训练条数")
    parser.add_argument("--tickets", type=int, default=400, help="受理测试的工单数")
    parser.add_argument("--threads", type=int, default=4, help="并发线程数")
    args = parser.parse_args()

    model, summary = bench_training(args.rows)
    summary.update(bench_classification(model))
    model_path = Path(settings.VAR_DIR) / "hotline" / "benchmark_model.pkl.gz"
    model.save(model_path)
    summary.update(bench_intake(model_path, args.tickets, args.threads))
    summary["pinned_cpu"] = PINNED_CPU
    summary["targets_met"] = {
        "train_under_60s": summary["train_seconds"] < 60,
        "classify_1000_per_second_single": summary["classify_single_per_second"] >= 1000,
        "classify_1000_per_second_batch": summary["classify_batch_per_second"] >= 1000,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
