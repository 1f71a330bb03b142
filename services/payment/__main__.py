"""python -m services.payment {api|worker|relay|verify}"""

import sys

from backbone.service_main import (
    configure_logging,
    dispatch,
    run_relay,
    run_verify,
    run_worker,
    serve_api,
)
from services.payment import bootstrap
from services.payment.settings import PaymentSettings


def main() -> None:
    settings = PaymentSettings()
    process = sys.argv[1] if len(sys.argv) > 1 else "?"
    configure_logging(settings, f"payment-{process}")
    dispatch(
        {
            "api": lambda: serve_api(
                bootstrap.build_api(settings), settings, settings.http_port, "BTXH_HTTP_PORT"
            ),
            "worker": lambda: run_worker(
                lambda: bootstrap.build_worker_app(settings), settings, "payment-worker"
            ),
            "relay": lambda: run_relay(lambda: bootstrap.build_relay(settings)),
            "verify": lambda: run_verify(
                "payment", settings, lambda: bootstrap.build_chains(settings)
            ),
        },
        sys.argv,
        "payment",
        settings,
    )


if __name__ == "__main__":
    main()
