"""python -m services.assessment {api|worker|relay|verify|scheduler|daily YYYY-MM-DD}"""

import json
import signal
import sys
import threading
from datetime import date

from backbone.service_main import (
    configure_logging,
    dispatch,
    run_relay,
    run_verify,
    run_worker,
    serve_api,
)
from reference.date_bounds import DateOutOfRange
from reference.working_days import today_in_vietnam
from services.assessment import bootstrap, daily_jobs
from services.assessment.settings import AssessmentSettings


def run_scheduler(settings: AssessmentSettings) -> None:
    """The daily jobs, once a day in Vietnam time, catching up missed days."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    bootstrap.build_scheduler(settings).run_forever(stop)


def run_daily(settings: AssessmentSettings, args: list[str]) -> None:
    """On demand: the daily jobs for one date (default today in Vietnam), result printed as
    JSON; a date after today in Vietnam is refused and nothing is recorded."""
    today = today_in_vietnam()
    try:
        day = date.fromisoformat(args[0]) if args else today
    except ValueError:
        sys.exit(f"daily: {args[0]!r} is not a date (YYYY-MM-DD)")
    scheduler = bootstrap.build_scheduler(settings)
    try:
        result = daily_jobs.run_day(scheduler.app, scheduler.register, day, today=today)
    except DateOutOfRange as error:
        sys.exit(f"daily: {error}")
    print(json.dumps(result))


def main() -> None:
    settings = AssessmentSettings()
    process = sys.argv[1] if len(sys.argv) > 1 else "?"
    configure_logging(settings, f"assessment-{process}")
    dispatch(
        {
            "api": lambda: serve_api(
                bootstrap.build_api(settings), settings, settings.http_port, "BTXH_HTTP_PORT"
            ),
            "worker": lambda: run_worker(
                lambda: bootstrap.build_worker_app(settings), settings, "assessment-worker"
            ),
            "relay": lambda: run_relay(lambda: bootstrap.build_relay(settings)),
            "verify": lambda: run_verify(
                "assessment", settings, lambda: bootstrap.build_chains(settings)
            ),
            "scheduler": lambda: run_scheduler(settings),
            "daily": lambda: run_daily(settings, sys.argv[2:]),
        },
        sys.argv,
        "assessment",
        settings,
    )


if __name__ == "__main__":
    main()
