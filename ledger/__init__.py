"""vialbook's ledger: domain records, rules, persistence and services (no UI, no reports)."""
