"""The printable shipping label GetShippingLabel's URL serves: one HTML page per label.

AWS's label was a prepaid UPS label in PDF. A local service has no carrier, so the page
says so plainly; it carries what a packer needs: the job ids (to write on the package), the
sender's address, and the note to put the device's SIGNATURE in its root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from .jobs import ADDRESS_FIELDS


def render_label(job_ids: Sequence[str], address: Mapping[str, str], created: str) -> bytes:
    lines = "".join(f"<div>{escape(address[k])}</div>" for k in ADDRESS_FIELDS
                    if k in address)
    jobs = ", ".join(escape(j) for j in job_ids)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Shipping label {jobs}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
.label {{ border: 3px solid #000; padding: 1.5em; width: 32em; }}
.jobs {{ font-size: 2.2em; font-weight: bold; letter-spacing: 0.1em; margin: 0.5em 0; }}
.note {{ font-size: 0.85em; margin-top: 1.5em; }}
@media print {{ .note {{ display: none; }} }}
</style></head>
<body><div class="label">
<div>FROM</div>{lines}
<hr><div>TO: AWS Import/Export (local rehearsal service, manifest-tools)</div>
<div class="jobs">JOB {jobs}</div>
<div>Created {escape(created)}</div>
</div>
<p class="note">No carrier accepts this label: it comes from a local rehearsal of the AWS
Import/Export service. Write the SIGNATURE file into the root of the device before
shipping (manifest-tools write-signature).</p>
</body></html>
""".encode()
