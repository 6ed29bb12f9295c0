"""qasesync: Qase.io test cases as code."""

__version__ = "0.1.0"
