"""Small programs the reliability tests run as separate OS processes."""
