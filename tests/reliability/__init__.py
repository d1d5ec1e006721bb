"""Reliability and security proof: concurrency, crashes, tampering, fuzzing, edges, access."""
