"""Plumbing every btxh service shares: event store, outbox relay, tracked consumer, auth, launcher."""
