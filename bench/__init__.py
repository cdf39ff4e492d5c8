"""`make bench`: load tests of the whole running stack, side by side with a stock `rasa init` bot.

Kept outside `tests/` on purpose: speed targets belong to the benchmark, never to the test suite.
"""
