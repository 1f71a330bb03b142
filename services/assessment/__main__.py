"""python -m services.assessment {api|worker|relay}"""

import sys

from backbone.service_main import configure_logging, dispatch, run_relay, run_worker, serve_api
from services.assessment import bootstrap
from services.assessment.settings import AssessmentSettings


def main() -> None:
    settings = AssessmentSettings()
    process = sys.argv[1] if len(sys.argv) > 1 else "?"
    configure_logging(settings, f"assessment-{process}")
    dispatch(
        {
            "api": lambda: serve_api(
                bootstrap.build_api(settings), settings, settings.http_port, "BTXH_HTTP_PORT"
            ),
            "worker": lambda: run_worker(lambda: bootstrap.build_worker_app(settings)),
            "relay": lambda: run_relay(lambda: bootstrap.build_relay(settings)),
        },
        sys.argv,
        "assessment",
    )


if __name__ == "__main__":
    main()
