"""The command line, run in-process with the test's clock (tests.helpers.cli)."""
