"""What the whole suite shares: paths to the test data, the clocks, a test desk, and one way to
run the command line. Fixtures built on these live in ``tests/conftest.py``."""
