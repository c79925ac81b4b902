"""lorebot backtest: a rule set run over a real history, to see how noisy it would be."""
