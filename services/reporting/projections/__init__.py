"""Read models of reporting, each with its SQL; one transaction per event with its tracking."""
