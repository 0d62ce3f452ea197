"""Tools for the people who keep a pack: test cases, coverage, diff, explanations."""
