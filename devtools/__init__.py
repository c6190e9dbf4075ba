"""Local development and test tooling; never imported by the app itself."""
