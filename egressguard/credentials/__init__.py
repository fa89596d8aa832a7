"""Credentials the agent never sees: values, sources, injection and redaction."""
