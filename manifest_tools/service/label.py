"""The printable shipping label GetShippingLabel's URL serves: one HTML page per label.

AWS's label was a prepaid UPS label in PDF (4x6 in, the thermal label printers' size). A
local service has no carrier, so the page says so plainly; it carries what a packer needs:
the sender's address as postal services print it ("City, ST ZIP" on one line), the job ids
large, and again as a QR code a scanner at the dock can read (segno: pure Python, no
dependencies, a regular QR code and never a Micro QR, which phones do not read), on a page
that prints as one 4x6 in label (``@page``). No script; every value is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

# Lines of the address block, in the order a carrier prints them.
_STREET = ("name", "company", "street1", "street2", "street3")


def city_line(address: Mapping[str, str]) -> str:
    """``City, ST ZIP`` (the USPS form; other countries' readers know it): the parts that are
    given, the comma only between a city and what follows it."""
    city = address.get("city", "").strip()
    rest = " ".join(p for p in (address.get("stateOrProvince", "").strip(),
                                address.get("postalCode", "").strip()) if p)
    return f"{city}, {rest}" if city and rest else city or rest


def address_lines(address: Mapping[str, str]) -> list[str]:
    lines = [address[k].strip() for k in _STREET if address.get(k, "").strip()]
    lines.append(city_line(address))
    lines.append(address.get("country", "").strip())
    phone = address.get("phoneNumber", "").strip()
    lines.append(f"Phone {phone}" if phone else "")
    return [line for line in lines if line]


def qr_svg(text: str) -> str:
    """``text`` as a regular QR code (error correction M), an inline SVG sized by CSS."""
    import segno

    code = segno.make_qr(text, error="m")
    return str(code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr",
                               title=f"QR code: {text}"))


_STYLE = """
@page { size: 4in 6in; margin: 0; }
* { box-sizing: border-box; }
body { margin: 0; font-family: Arial, Helvetica, sans-serif; color: #000; }
.label { width: 4in; height: 6in; padding: 0.2in; border: 2px solid #000;
         display: flex; flex-direction: column; overflow: hidden; }
.small { font-size: 8pt; text-transform: uppercase; letter-spacing: 0.05em; }
.from { font-size: 10pt; line-height: 1.3; }
.to { font-size: 12pt; font-weight: bold; border-top: 2px solid #000;
      border-bottom: 2px solid #000; padding: 0.08in 0; margin: 0.1in 0; }
.jobs { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-weight: bold;
        font-size: 44pt; line-height: 1.05; letter-spacing: 0.06em; word-break: break-all; }
.many .jobs { font-size: 22pt; }
.qr { width: 1.6in; height: 1.6in; margin-top: 0.1in; }
.created { font-size: 8pt; margin-top: auto; }
.note { font-family: sans-serif; font-size: 10pt; max-width: 4in; margin: 1em 0.2in; }
@media print { .note { display: none; } .label { border: none; } }
"""


def render_label(job_ids: Sequence[str], address: Mapping[str, str], created: str) -> bytes:
    sender = "".join(f"<div>{escape(line)}</div>" for line in address_lines(address))
    jobs = " ".join(escape(j) for j in job_ids)
    many = " many" if len(job_ids) > 1 else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Shipping label {jobs}</title>
<style>{_STYLE}</style></head>
<body><div class="label{many}">
<div class="small">From</div><div class="from">{sender}</div>
<div class="to"><div class="small">To</div>AWS Import/Export<br>
(local rehearsal service, manifest-tools)</div>
<div class="small">Job</div><div class="jobs">{jobs}</div>
{qr_svg(",".join(job_ids))}
<div class="created">Created {escape(created)}</div>
</div>
<p class="note">No carrier accepts this label: it comes from a local rehearsal of the AWS
Import/Export service. Write the SIGNATURE file into the root of the device before
shipping (manifest-tools write-signature). Print at 4x6 in, no margins.</p>
</body></html>
""".encode()
