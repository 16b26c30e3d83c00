"""Foreign currencies: the rate table's lookup rule, rate file imports, period-end revaluation."""

# The source of revaluation entries and their reversals (the reconciliation of a subledger with its
# control account finds the unrealised adjustment by it).
REVALUATION_SOURCE = "fx_revaluation"
