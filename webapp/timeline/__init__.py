"""The timeline feature: recording and reading every change to a deal."""
