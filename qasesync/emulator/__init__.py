"""A local Qase API v1 emulator, faithful to the live service's quirks.

It shares no code with qasesync's client, remote mapping or model, so that it can catch
their mistakes. Use it in-process::

    emu = Emulator(token="T", projects=("DEMO",))
    client = httpx.Client(transport=httpx.WSGITransport(app=emu.app),
                          base_url="http://emulator/v1", headers={"Token": "T"})

or on a socket with ``with serve(emu) as server: server.url``.
"""

from qasesync.emulator.apierrors import ApiError, Invalid, NotFound
from qasesync.emulator.app import Emulator, LogRecord
from qasesync.emulator.faults import Faults
from qasesync.emulator.fields import default_system_fields, sample_custom_fields
from qasesync.emulator.server import Limits, Server, serve
from qasesync.emulator.store import Store

__all__ = [
    "ApiError",
    "Emulator",
    "Faults",
    "Invalid",
    "Limits",
    "LogRecord",
    "NotFound",
    "Server",
    "Store",
    "default_system_fields",
    "sample_custom_fields",
    "serve",
]
