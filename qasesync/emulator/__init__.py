"""A local Qase API v1 emulator, faithful to the live service's quirks.

It shares no code with qasesync's client, remote mapping or model, so that it can catch
their mistakes. Use it in-process::

    emu = Emulator(token="T", projects=("DEMO",))
    client = httpx.Client(transport=httpx.WSGITransport(app=emu.app),
                          base_url="http://emulator/v1", headers={"Token": "T"})

or on a socket with ``with serve(emu) as server: server.url``.

    app          the WSGI application: auth, faults, the request log, JSON in and out
    server       a threaded HTTP/1.1 server on a real socket, with connection limits
    routes       the route table: method, path pattern, handler
    store        the in-memory workspace, put together from the parts below
    storebase    the store's foundation: projects, the lock, ids, hashes, time, fields
    store_suites, store_cases, store_shared   each entity's operations
    cases        a case payload checked into stored fields, and read back
    steps        steps and shared-step references: stored, read expanded or collapsed
    values       checks of scalar payload values, in the live API's wording
    fields       system and custom fields of the emulated workspace
    shapes       the read and write shapes the evidence leaves open, each behind a switch
    trash        the trash bin listed (--list-trashed)
    faults       latency, random 429s and 503s, dropped writes, an enforced rate limit
    apierrors    errors the API answers with, as exceptions
    seed         the emulator started with a user's content as plain data (--from-tree, --from-csv)
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
