"""Campaign definitions: the data model (`model`), loading from YAML (`loader`), checks for
staff (`check`, `validate`, `advice`, `mistakes`), publishing, closing and versions.

Import from the modules themselves: this package imports nothing, so that the engine, which
needs `bot.campaigns.model`, never loads the loader and its checks (which use the engine).
"""
