"""Assessment domain: a case's review and decision."""
