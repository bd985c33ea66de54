"""Small screens: at 375 px wide, with normal text, the app's largest text size and 200 % browser
text, the page's main heading shows in the first screen, no page is wider than the screen (tables
scroll inside their own labelled, focusable box), the menu and the language and text-size
controls are reachable by keyboard, and the report matrix keeps its name column in view when
its table is scrolled sideways.

The data is the demo data (tests/browser/conftest.py): a lesson of kaikukortti-basics has a
Markdown table, the coming annual meeting has a programme, the matrix lists every demo person.
"""

import pytest

from kaiku_training.core.timeutil import utcnow
from tests.browser.conftest import DEMO_PASSWORD, choose_language, press_header_button, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}
TEXT_SETTINGS = ("normal", "app-150", "browser-200")
PAGES = {
    "home": (None, "/"),
    "lesson with a table": ("coordinator@example.org", "/courses/kaikukortti-basics/lessons/coordinator-tasks"),
    "meeting programme": ("coordinator@example.org", "/meetings/{next_year}"),
    "programme to manage": ("admin@example.org", "/manage/meetings/{next_year}/programme"),
    "report matrix": ("admin@example.org", "/reports/matrix"),
}


def open_phone(browser, live_server, email, text_setting, language="en"):
    """A phone-sized context, signed in as `email` (or not), in `language`, at `text_setting`."""
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    if text_setting == "browser-200":
        # What a person sets in the browser's own text-size setting: a 32 px default font.
        cdp = context.new_cdp_session(page)
        cdp.send("Page.enable")
        cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32}})
    page.goto(live_server.url + "/")
    if email:
        sign_in(page, live_server, email, DEMO_PASSWORD, language)
    else:
        choose_language(page, language)
    if text_setting == "app-150":
        press_header_button(page, "size", "150")
    return context, page


def heading_fits_first_screen(page) -> dict:
    return page.evaluate("""() => {
        const h1 = document.querySelector('main h1');
        const box = h1.getBoundingClientRect();
        const line = parseFloat(getComputedStyle(h1).lineHeight) || parseFloat(getComputedStyle(h1).fontSize) * 1.2;
        return {top: Math.round(box.top), firstLineBottom: Math.round(box.top + line), screen: innerHeight};
    }""")


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def too_wide(page) -> list[str]:
    """What sticks out past the right edge of the screen (elements and text), leaving out what
    a box that scrolls or clips keeps inside it."""
    return page.evaluate("""() => {
        const inScrollBox = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
                                        if (getComputedStyle(a).overflowX !== 'visible') return true;
                                    return false; };
        const out = [...document.body.querySelectorAll('*')]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 1 && !inScrollBox(el))
            .map(el => el.outerHTML.slice(0, 100));
        const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (texts.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(texts.currentNode);
            if ([...range.getClientRects()].some(r => r.right > innerWidth + 1) && !inScrollBox(texts.currentNode))
                out.push('text: ' + texts.currentNode.textContent.trim().slice(0, 60));
        }
        return out.slice(0, 8);
    }""")


@pytest.mark.parametrize("text_setting", TEXT_SETTINGS)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_fits_a_phone(page_name, text_setting, browser, live_server):
    email, path = PAGES[page_name]
    context, page = open_phone(browser, live_server, email, text_setting)
    try:
        response = page.goto(live_server.url + path.format(next_year=utcnow().year + 1))
        assert response.ok, f"{path}: HTTP {response.status}"
        heading = heading_fits_first_screen(page)
        assert heading["top"] >= 0 and heading["firstLineBottom"] <= heading["screen"], (
            f"{page_name} at {text_setting}: the main heading is not in the first screen: {heading}"
        )
        width = page_width(page)
        assert width <= PHONE["width"], f"{page_name} at {text_setting}: the page is {width} px wide: {too_wide(page)}"
    finally:
        context.close()


def test_the_tables_scroll_in_labelled_focusable_boxes(browser, live_server):
    context, page = open_phone(browser, live_server, "coordinator@example.org", "browser-200")
    try:
        for path in ("/courses/kaikukortti-basics/lessons/coordinator-tasks", f"/meetings/{utcnow().year + 1}"):
            page.goto(live_server.url + path)
            boxes = page.evaluate("""() => [...document.querySelectorAll('main table')].map(table => {
                const box = table.closest('.table-scroll');
                return box && {focusable: box.tabIndex === 0, role: box.getAttribute('role'),
                               label: box.getAttribute('aria-label') || box.getAttribute('aria-labelledby')};
            })""")
            assert boxes, f"{path}: no table"
            for box in boxes:
                assert box and box["focusable"] and box["role"] == "region" and box["label"], (
                    f"{path}: a table is not in a focusable, labelled scroll box: {boxes}"
                )
    finally:
        context.close()


def test_the_menu_and_preferences_work_by_keyboard_on_a_phone(browser, live_server):
    context, page = open_phone(browser, live_server, "admin@example.org", "normal")
    try:
        page.goto(live_server.url + "/")
        people_link = page.locator("header nav").get_by_role("link", name="People")
        assert not people_link.is_visible(), "the menu is open on a phone before anyone opened it"
        focused = []
        for _ in range(30):
            page.keyboard.press("Tab")
            focused.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
            if page.evaluate("document.activeElement.tagName") == "SUMMARY":
                break
        else:
            pytest.fail(f"Tab never reached the menu button: {focused}")
        reached = "\n".join(focused)
        assert 'name="locale"' in reached and 'name="size"' in reached, (
            f"the language and text-size buttons are not on the way to the menu button: {focused}"
        )
        page.keyboard.press("Enter")
        assert people_link.is_visible(), "Enter on the menu button did not open the menu"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('nav') !== null"), "Tab does not lead into the menu"
    finally:
        context.close()


def test_the_matrix_keeps_the_name_column_in_view_when_scrolled(browser, live_server):
    context, page = open_phone(browser, live_server, "admin@example.org", "normal")
    try:
        page.goto(live_server.url + "/reports/matrix")
        box = page.locator(".table-scroll").first
        scrolled = box.evaluate("box => { box.scrollLeft = box.scrollWidth; return box.scrollLeft; }")
        assert scrolled > 0, "the matrix does not scroll sideways at 375 px, so this test proves nothing"
        name = page.locator(".matrix tbody th").first
        header = page.locator(".matrix thead th").first
        box_left = box.bounding_box()["x"]
        for cell in (name, header):
            cell_box = cell.bounding_box()
            assert abs(cell_box["x"] - box_left) <= 2, f"the name column scrolled away: {cell_box} vs box at {box_left}"
        # The cell is on top, not under the scrolled cells.
        name.scroll_into_view_if_needed()
        on_top = page.evaluate("""() => {
            const cell = document.querySelector('.matrix tbody th');
            const box = cell.getBoundingClientRect();
            const hit = document.elementFromPoint(box.left + 5, box.top + box.height / 2);
            return cell.contains(hit);
        }""")
        assert on_top, "the name cell is covered by the scrolled cells"
    finally:
        context.close()
