"""The benchmark harness (issue 6): history generator and metrics. Not run by `make test`."""
