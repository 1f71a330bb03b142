"""Published integration events of btxh: envelope, event models, topics, JSON Schema, AsyncAPI."""
