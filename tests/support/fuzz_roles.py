"""Schemathesis hook for tests/system/test_fuzz.py: each generated request carries the token of
a role drawn at random (every role, and now and then no token at all), so one run per service
tries every route with every role. The tokens come in BTXH_FUZZ_TOKENS (role -> token)."""

import json
import os
import random
from typing import Any

import schemathesis

TOKENS: dict[str, str] = json.loads(os.environ.get("BTXH_FUZZ_TOKENS", "{}"))
_draw = random.Random(int(os.environ.get("BTXH_FUZZ_SEED", "1")))


@schemathesis.auth(refresh_interval=None, retry_on=[])
class RandomRole:
    def get(self, case: Any, context: Any) -> str:
        return _draw.choice([*TOKENS.values(), ""])

    def set(self, case: Any, data: str, context: Any) -> None:
        if data:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
