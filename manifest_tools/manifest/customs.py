"""Customs: a device shipped across a border without a ``customs`` block fails the job.

AWS Import/Export Developer Guide, "Customs Manifest File Options"
(ManifestFileRef_international): shipping internationally needs the block, shipping within
the European Union does not; CreateJob answered ``MissingCustomsException``. The loading
facility is the one of the job's region: for EBS and Glacier the manifest names it
(``operations[].region``), so a return address in another country is an error (``MT331``);
for S3 jobs it is the bucket's region, which is not known offline: the check assumes the
bucket is in the return country's own region (or the EU's), and warns (``MT332``, naming that
assumption) only for a country where AWS had no region, from which every job crosses a border.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..aws import COUNTRY_ALIASES, EU_COUNTRIES, REGION_COUNTRIES
from ..diagnostics import Diagnostic, clip, error, warning
from .jobtype import JobType
from .parse import Manifest

_HINT = ("add a customs block (dataDescription, encryptedData, encryptionClassification, "
         "exportCertifierName, requiresExportLicense, deviceValue, deviceCountryOfOrigin, "
         "deviceType, typeOfExport) indented under 'customs:'")


def _country(m: Manifest) -> str | None:
    address = m.data.get("returnAddress")
    country = address.get("country") if isinstance(address, dict) else None
    if not isinstance(country, str) or not country.strip() or \
            "/returnAddress/country" in m.unfilled:
        return None
    return country.strip()


def _crosses(origin: str, facility: str) -> bool:
    return origin != facility and not (origin in EU_COUNTRIES and facility in EU_COUNTRIES)


def _regions(m: Manifest) -> list[tuple[int, str]]:
    operations = m.data.get("operations")
    found = []
    for n, item in enumerate(operations if isinstance(operations, list) else []):
        region = item.get("region") if isinstance(item, dict) else None
        if isinstance(region, str) and region.strip() in REGION_COUNTRIES:
            found.append((n, region.strip()))
    return found


def check_customs(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    if "customs" in m.data:
        return
    written = _country(m)
    if written is None:
        return
    origin = COUNTRY_ALIASES.get(written.lower())
    where = m.position("/returnAddress/country")
    if job_type in (JobType.EBS, JobType.GLACIER):
        for n, region in _regions(m)[:1]:
            facility = REGION_COUNTRIES[region]
            if origin is None:
                yield warning("MT332", f"no customs block, and returnAddress.country "
                              f"{clip(written)!r} is not a country this check knows: if it is "
                              f"not {facility} (the facility of operations[{n}].region "
                              f"{region}), the device crosses a border and the job fails "
                              "without customs", *where, "/returnAddress/country", hint=_HINT)
            elif _crosses(origin, facility):
                yield error("MT331", f"no customs block: the device ships from {origin} "
                            f"(returnAddress.country) to AWS's facility in {facility} "
                            f"(operations[{n}].region {region}); AWS fails a job that crosses "
                            "a border without customs (MissingCustomsException)", *where,
                            "/returnAddress/country", hint=_HINT)
        return
    if origin is None or origin in REGION_COUNTRIES.values() or origin in EU_COUNTRIES:
        return  # assumed: the bucket is in the country's own region (or the EU's)
    yield warning("MT332", f"no customs block, and the device ships from {origin} "
                  f"(returnAddress.country), where AWS had no region: assuming the bucket is "
                  f"in a region outside {origin} (its region is not known offline), the device "
                  "crosses a border and AWS fails the job without customs", *where,
                  "/returnAddress/country", hint=_HINT)
