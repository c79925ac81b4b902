"""Behavioural models: a bounded C interpreter, stubs, scenarios, invariants."""
