"""Business logic: plain functions that take a session, raise domain errors, never commit."""
