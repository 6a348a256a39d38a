"""Shared test configuration: headless matplotlib for every test."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")


def pytest_terminal_summary(terminalreporter):
    """One line on the misconception corpus (tests/test_misconceptions.py), when that test ran."""
    import sys

    module = sys.modules.get("test_misconceptions") or sys.modules.get("tests.test_misconceptions")
    if module is None or not (module.RESULTS["wrong"] or module.RESULTS["right"]):
        return
    wrong, right = module.RESULTS["wrong"], module.RESULTS["right"]
    killed = sum(wrong.values())
    rate = killed / len(wrong) if wrong else 1.0
    verdict = "all passed" if all(right.values()) else f"{len(right) - sum(right.values())} FAILED"
    terminalreporter.write_line(
        f"misconception corpus: {len(wrong)} wrong answers, {killed} rejected with a diagnosing hint "
        f"(kill rate {killed}/{len(wrong)} = {rate:.0%}); {len(right)} alternative correct answers, {verdict}")
