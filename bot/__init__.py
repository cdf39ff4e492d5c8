"""engage-bot: deliberation campaigns by SMS for residents who are seldom heard."""
