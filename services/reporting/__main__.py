"""python -m services.reporting {api|worker|verify}"""

import sys

from backbone.service_main import configure_logging, dispatch, run_verify, run_worker, serve_api
from services.reporting import bootstrap
from services.reporting.settings import ReportingSettings


def main() -> None:
    settings = ReportingSettings()
    process = sys.argv[1] if len(sys.argv) > 1 else "?"
    configure_logging(settings, f"reporting-{process}")
    dispatch(
        {
            "api": lambda: serve_api(
                bootstrap.build_api(settings), settings, settings.http_port, "BTXH_HTTP_PORT"
            ),
            "worker": lambda: run_worker(
                lambda: bootstrap.build_worker_app(settings), settings, "reporting-worker"
            ),
            "verify": lambda: run_verify(
                "reporting", settings, lambda: bootstrap.build_chains(settings)
            ),
        },
        sys.argv,
        "reporting",
        settings,
    )


if __name__ == "__main__":
    main()
