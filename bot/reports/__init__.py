"""What staff read about a campaign: status (funnel), reach, results, the HTML report, and
exports (CSV, JSONL, XLSX). Every figure counts through bot.stages, shows small numbers by one
rule (small_numbers) and masks personal details typed into answers (bot.privacy.screen).
Reading only, except that callers record exports in the audit log."""
