"""Lines a test wants in the run's summary even when it passes (pytest captures its prints): the fault
suite's counts (tests/e2e/test_faults.py) appear in every CI log this way (tests/conftest.py prints them)."""
LINES: list[str] = []
