"""Rasa custom actions: thin adapters over the engine and service layer in `bot/`."""
