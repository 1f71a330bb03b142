"""payment: enrolment, monthly payroll, reconciliation, stops and adjustments (chi trả)."""
