"""Operator commands that belong to no single feature: database, users, tokens, configuration."""
