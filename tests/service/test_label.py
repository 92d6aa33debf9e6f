"""The shipping label page: the address as carriers print it, a 4x6 in page, the job ids
large and as a QR code, every value escaped."""

from __future__ import annotations

import re

import pytest

from manifest_tools.service.label import address_lines, city_line, qr_svg, render_label

ADDRESS = {"name": "Jane <Doe>", "company": "Example & Co", "street1": "123 Main Street",
           "city": "Boston", "stateOrProvince": "MA", "postalCode": "02134",
           "phoneNumber": "617-555-0100", "country": "USA"}


@pytest.mark.parametrize(("given", "line"), [
    ({"city": "Boston", "stateOrProvince": "MA", "postalCode": "02134"}, "Boston, MA 02134"),
    ({"city": "Lisboa", "postalCode": "1100-148"}, "Lisboa, 1100-148"),
    ({"city": "Singapore"}, "Singapore"),
    ({"stateOrProvince": "ON", "postalCode": "K1A 0B1"}, "ON K1A 0B1"),
    ({"city": "  Boston ", "stateOrProvince": " ", "postalCode": "02134"}, "Boston, 02134"),
])
def test_city_state_and_zip_on_one_line(given: dict[str, str], line: str) -> None:
    assert city_line(given) == line


def test_address_lines_in_a_carriers_order() -> None:
    assert address_lines(ADDRESS) == ["Jane <Doe>", "Example & Co", "123 Main Street",
                                      "Boston, MA 02134", "USA", "Phone 617-555-0100"]


def test_the_page_is_a_4x6_label_with_escaped_values_and_a_qr_code() -> None:
    page = render_label(["ABCDE", "FGHIJ"], ADDRESS, "2026-12-03T10:00:00Z").decode()
    assert "@page { size: 4in 6in; margin: 0; }" in page
    assert "<div>Jane &lt;Doe&gt;</div>" in page and "Example &amp; Co" in page
    assert "<div>Boston, MA 02134</div>" in page
    assert '<div class="jobs">ABCDE FGHIJ</div>' in page and 'class="label many"' in page
    assert "<title>QR code: ABCDE,FGHIJ</title>" in page
    assert "<script" not in page


def test_the_qr_code_is_a_regular_qr_code_of_the_job_id() -> None:
    import segno

    svg = qr_svg("ABCDE")
    # A regular QR code (version 1: 21 modules, border 2), never a Micro QR (11-17).
    assert re.search(r'viewBox="0 0 25 25"', svg)
    assert segno.make_qr("ABCDE", error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", title="QR code: ABCDE") == svg
