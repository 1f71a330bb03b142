"""reporting: the read side: register, case history, reports and inspection checks."""
