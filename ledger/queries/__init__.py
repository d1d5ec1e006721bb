"""Read-only views of the ledger: stock on hand and movement history."""
