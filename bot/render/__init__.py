"""Block Kit rendering: pure functions from typed inputs to ``slack_sdk.models`` blocks."""
