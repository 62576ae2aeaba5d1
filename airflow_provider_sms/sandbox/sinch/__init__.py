"""The Sinch SMS REST API ("XMS" batches) as served by the sandbox.

Written from the vendor's reference, independently of ``clients/`` and ``models/``: batches that move
through Queued, Dispatched and a final status on the sandbox clock, delivery reports, callbacks, dry run
with its own GSM-7 / UCS-2 part counting, and the API token and OAuth2 access-token schemes.
"""

from __future__ import annotations
