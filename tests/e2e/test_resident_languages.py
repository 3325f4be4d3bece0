"""Issue 19 in a phone-sized Chromium: a resident reports and follows the report in Arabic, right
to left (the form's labels start at the right, the reference still reads left to right), and
fills the form in Somali; staff pages keep to the staff languages. What the pages weigh per
language is bench/page_weight.py's (docs/languages.md). Screenshots under
test-artifacts/screenshots/ (70-74)."""

from __future__ import annotations

from tests.e2e.conftest import SHOTS, capture, shot
from tests.e2e.test_browser import choose_category

SMALL_PHONE = {"width": 360, "height": 740}  # the narrowest phone the pages are made for


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def _text_box(page, selector: str) -> dict:
    """Where an element's words are drawn (a block label is as wide as its field)."""
    return page.eval_on_selector(
        selector,
        """e => { const r = document.createRange(); r.selectNodeContents(e);
                  const b = r.getBoundingClientRect(); return {x: b.x, width: b.width}; }""",
    )


def test_a_resident_reports_and_follows_in_arabic_right_to_left(phone, live):
    page = phone.new_page()
    page.set_viewport_size(SMALL_PHONE)
    page.goto(live.url + "/lang/ar?next=/report")
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.text_content("h1").strip() == "قدّم بلاغًا"
    # Mirrored: a label starts at the right edge of its field, not the left.
    label, field = _text_box(page, "label[for=text]"), _box(page, "#text")
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2
    assert label["x"] > field["x"] + 100
    # The Danish line of the 112 notice stays left to right; the numbers are not reordered.
    danish = page.locator(".notice p[lang=da]")
    assert danish.get_attribute("dir") == "ltr"
    assert "112" in page.text_content(".notice p[lang=ar]")
    # The category tiles carry the municipality's Arabic labels.
    assert "العنف والتهديدات" in page.text_content(".tiles")
    # Seven languages in the menu wrap: the page is never wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    shot(page, "70-report-form-arabic")

    # The map is not mirrored: Leaflet's zoom buttons stay top left, as on every map.
    page.click("[data-locate]")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.eval_on_selector(".leaflet-container", "e => getComputedStyle(e).direction") == (
        "ltr"
    )
    zoom, map_box = _box(page, ".leaflet-control-zoom"), _box(page, "[data-map]")
    assert zoom["x"] - map_box["x"] < 30
    page.locator("[data-map]").scroll_into_view_if_needed()
    capture(page, SHOTS / "70-report-form-arabic-map.png")
    choose_category(page, "KONFLIKT")
    page.fill("#text", "خلاف مع الجيران حول الضوضاء كل ليلة.")
    page.select_option("#interpreter_language", "ar")
    page.fill("#contact_phone", "+45 12 34 56 78")
    assert page.eval_on_selector("#contact_phone", "e => getComputedStyle(e).direction") == "ltr"
    page.click("main button[type=submit]")
    page.wait_for_url("**/report/receipt")
    reference = page.text_content("[data-reference]").strip()
    assert reference.startswith("MC-")
    direction = page.eval_on_selector("[data-reference]", "e => getComputedStyle(e).direction")
    assert direction == "ltr"
    shot(page, "71-receipt-arabic")

    page.click(f"a[href$='/track/{reference}']")
    page.wait_for_url(f"**/track/{reference}")
    assert page.get_attribute("html", "dir") == "rtl"
    heading = page.locator("h1 bdi")
    assert heading.text_content() == reference  # the reference set apart, left to right
    assert heading.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert "تم الاستلام" in page.text_content("[data-status]")
    term, value = _box(page, ".facts dt"), _box(page, ".facts dd")
    assert term["x"] > value["x"]  # the grid's first column is on the right
    shot(page, "72-tracking-arabic")
    page.close()


def test_a_resident_fills_the_form_in_somali_and_staff_pages_stay_danish(phone, live):
    page = phone.new_page()
    page.set_viewport_size(SMALL_PHONE)
    page.goto(live.url + "/lang/so?next=/report")
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "so"
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.text_content("h1").strip() == "Samee warbixin"
    label, field = _text_box(page, "label[for=text]"), _box(page, "#text")
    assert abs(label["x"] - field["x"]) < 2  # left to right: labels start at the left
    assert label["x"] + label["width"] < field["x"] + field["width"] - 100
    page.click("main button[type=submit]")  # nothing filled in: the summary says what to fix
    assert "Fadlan sax tan ka hor intaadan dirin" in page.text_content("[data-error-summary]")
    shot(page, "73-report-form-somali-errors")
    # The staff sign-in speaks the staff languages only: Danish, and no Somali in its menu.
    page.goto(live.url + "/login")
    assert page.get_attribute("html", "lang") == "da"
    assert page.locator("nav.langs [lang=so]").count() == 0
    page.goto(live.url + "/lang/da?next=/report")
    page.wait_for_load_state("load")
    shot(page, "74-report-form-danish")
    page.close()
