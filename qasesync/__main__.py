from qasesync.cli import entry

entry()
