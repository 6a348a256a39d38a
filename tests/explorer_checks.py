"""Assertions shared by the explorer tests."""


def assert_healthy(explorer) -> None:
    """The explorer computed and drew without an error or a warning, and its state matches its controls."""
    assert explorer.error is None, explorer.error
    assert explorer.caught_warnings == []
    assert explorer.state_params == explorer.params
