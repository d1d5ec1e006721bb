"""Business actions. Each is one function, one transaction, checking role and rules."""
