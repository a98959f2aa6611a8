"""Lambda entry modules: each reads its settings from the environment and stays thin."""
