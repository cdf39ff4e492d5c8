"""Rasa input/output connectors. Each one turns the provider's address into a pseudonym first."""
