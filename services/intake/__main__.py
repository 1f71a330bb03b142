"""python -m services.intake {api|worker|relay|verify}"""

import sys

from backbone.service_main import (
    configure_logging,
    dispatch,
    run_relay,
    run_verify,
    run_worker,
    serve_api,
)
from services.intake import bootstrap
from services.intake.settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    process = sys.argv[1] if len(sys.argv) > 1 else "?"
    configure_logging(settings, f"intake-{process}")
    dispatch(
        {
            "api": lambda: serve_api(
                bootstrap.build_api(settings), settings, settings.http_port, "BTXH_HTTP_PORT"
            ),
            "worker": lambda: run_worker(
                lambda: bootstrap.build_worker_app(settings), settings, "intake-worker"
            ),
            "relay": lambda: run_relay(lambda: bootstrap.build_relay(settings)),
            "verify": lambda: run_verify(
                "intake", settings, lambda: bootstrap.build_chains(settings)
            ),
        },
        sys.argv,
        "intake",
        settings,
    )


if __name__ == "__main__":
    main()
