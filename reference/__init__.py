"""Reference data every service reads: policy tables, administrative units, the working-day calendar."""
