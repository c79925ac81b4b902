"""One module per ``lorebot`` subcommand (see bot/cli.py)."""
