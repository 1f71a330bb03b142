"""The keyed digest of a personal ID number: how btxh finds a person without storing the number
in read models or putting it on Kafka. Intake computes it on receipt; reporting computes it
to look a case up by an exact number. Same key (BTXH_PERSONAL_ID_KEY), same digest."""

import hashlib
import hmac


def personal_id_digest(key: str, number: str) -> str:
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()
