"""From private to public: themes of open answers, moderation of quotes, others' reasons in
reflect steps, the public results page's content, and "you said, we did" follow-ups.

Service functions only (each takes a database session and returns data): the CLI
(`bot/commands/`) and, later, the console's pages call them; the engine stays pure.
"""
