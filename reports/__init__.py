"""Report builders (ledger -> neutral report model) and their PDF and XLSX renderers."""
