"""Drive the app through HTTP the way a browser does: get a page, read a form out of its HTML
(fields, hidden inputs, the CSRF token, the options offered), fill it in, submit it and follow
the redirects. Journey tests use this for every step a person takes through a page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from werkzeug.datastructures import MultiDict

CHOICE_TYPES = ("checkbox", "radio")
IGNORED_TYPES = ("submit", "button", "reset", "image")


class FormError(AssertionError):
    """The page does not offer what the test tried to do."""


@dataclass
class Page:
    """A page as the browser got it, after following redirects."""

    browser: Browser
    url: str
    status: int
    html: str
    content_type: str
    soup: BeautifulSoup = field(repr=False)

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed: what a person reads."""
        body = self.soup.body or self.soup
        for hidden in body.find_all(["script", "style", "template"]):
            hidden.decompose()
        return re.sub(r"\s+", " ", body.get_text(" ")).strip()

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def form(self, match: str | None = None, *, button: str | None = None) -> Form:
        """The one form whose action contains `match` (or, if given, that holds a submit button
        whose text contains `button`). Several matches are a test error: be more specific."""
        forms = [tag for tag in self.soup.find_all("form") if _action_of(tag, self.url).find(match or "") >= 0]
        if button is not None:
            forms = [tag for tag in forms if _button(tag, button) is not None]
        if len(forms) != 1:
            actions = [(_action_of(tag, self.url), _button_texts(tag)) for tag in self.soup.find_all("form")]
            raise FormError(
                f"{len(forms)} forms match {match!r} / button {button!r} on {self.url}; the page has {actions}"
            )
        return Form(self, forms[0], button)

    def link(self, text: str) -> str:
        """The href of the one link whose text contains `text`."""
        links = [a for a in self.soup.find_all("a", href=True) if text in a.get_text(" ", strip=True)]
        if not links:
            raise FormError(f"no link {text!r} on {self.url}")
        return urljoin(self.url, links[0]["href"])

    def follow(self, text: str) -> Page:
        return self.browser.get(self.link(text))

    def errors(self) -> list[str]:
        """The error messages shown next to fields."""
        return [tag.get_text(" ", strip=True) for tag in self.soup.select(".error, .field--error .error")]


class Form:
    def __init__(self, page: Page, tag: Tag, button: str | None):
        self.page, self.tag = page, tag
        self.action = _action_of(tag, page.url)
        self.method = (tag.get("method") or "get").upper()
        self.enctype = tag.get("enctype", "application/x-www-form-urlencoded")
        self._button = _button(tag, button) if button else None
        self.values: MultiDict = MultiDict()
        self._fields: dict[str, list[Tag]] = {}
        for control in tag.find_all(["input", "select", "textarea", "button"]):
            name = control.get("name")
            if not name or control.has_attr("disabled"):
                continue
            kind = (control.get("type") or "text").lower() if control.name == "input" else control.name
            if control.name == "button" or kind in IGNORED_TYPES:
                continue
            self._fields.setdefault(name, []).append(control)
            for value in _initial_values(control, kind):
                self.values.add(name, value)

    @property
    def names(self) -> list[str]:
        return list(self._fields)

    def options(self, name: str) -> list[tuple[str, str]]:
        """(value, label) of each choice the form offers for `name`."""
        offered = []
        for control in self._controls(name):
            if control.name == "select":
                offered += [
                    (option.get("value", option.get_text(strip=True)), option.get_text(" ", strip=True))
                    for option in control.find_all("option")
                    if not option.has_attr("disabled")
                ]
            elif control.get("type") in CHOICE_TYPES:
                offered.append((control.get("value", "on"), self._label_of(control)))
        return offered

    def option_value(self, name: str, label: str) -> str:
        """The value of the choice whose label contains `label`."""
        matches = [value for value, text in self.options(name) if label in text]
        if not matches:
            raise FormError(f"{name!r} offers no {label!r}: {self.options(name)}")
        return matches[0]

    def fill(self, **values) -> Form:
        """Set fields by name. A list sets several values (checkboxes, multiple selects); for a
        choice the value must be one the form offers; a (bytes, filename) pair is a file."""
        for name, value in values.items():
            self.set(name, value)
        return self

    def set(self, name: str, value) -> Form:
        controls = self._controls(name)
        choices = [value_ for value_, _ in self.options(name)]
        is_choice = any(c.name == "select" or c.get("type") in CHOICE_TYPES for c in controls)
        chosen = value if isinstance(value, list) else [value]
        if is_choice:
            chosen = [str(item) for item in chosen]
            unknown = [item for item in chosen if item not in choices]
            if unknown:
                raise FormError(f"{name!r} does not offer {unknown}; it offers {self.options(name)}")
        self.values.setlist(
            name, [item if isinstance(item, tuple) else ("" if item is None else str(item)) for item in chosen]
        )
        return self

    def check(self, name: str, label: str) -> Form:
        """Tick the checkbox (or pick the radio button) of `name` whose label contains `label`."""
        value = self.option_value(name, label)
        kinds = {c.get("type") for c in self._controls(name)}
        current = self.values.getlist(name) if "checkbox" in kinds else []
        return self.set(name, [*current, value] if value not in current else current)

    def uncheck(self, name: str, label: str | None = None) -> Form:
        value = self.option_value(name, label) if label else None
        self.values.setlist(name, [v for v in self.values.getlist(name) if label and v != value])
        return self

    def submit(self, expect_status: int | None = None) -> Page:
        data = MultiDict(self.values)
        if self._button is not None and self._button.get("name"):
            data.add(self._button["name"], self._button.get("value", ""))
        files = {
            name: (BytesIO(value[0]), value[1])
            for name, values in data.lists()
            for value in values
            if isinstance(value, tuple)
        }
        for name in files:
            data.poplist(name)
        if self.method == "GET":  # the form's fields replace any query string in its action, as in browsers
            return self.page.browser.get(urlsplit(self.action).path, query=data, expect_status=expect_status)
        payload = MultiDict(data)
        for name, file in files.items():
            payload.add(name, file)
        return self.page.browser.request(
            "POST",
            self.action,
            data=payload,
            expect_status=expect_status,
            content_type="multipart/form-data" if files else None,
        )

    def _controls(self, name: str) -> list[Tag]:
        if name not in self._fields:
            raise FormError(f"the form to {self.action} has no field {name!r}; it has {self.names}")
        return self._fields[name]

    def _label_of(self, control: Tag) -> str:
        if control.get("id"):
            label = self.page.soup.find("label", attrs={"for": control["id"]})
            if label:
                return label.get_text(" ", strip=True)
        parent = control.find_parent("label")
        return parent.get_text(" ", strip=True) if parent else control.get("value", "")


class Browser:
    """A person at a browser: a test client that keeps cookies and follows redirects."""

    def __init__(self, client, base_url: str = "http://localhost"):
        self.client, self.base_url = client, base_url
        self.history: list[Page] = []

    def get(self, url: str, query=None, expect_status: int | None = None) -> Page:
        return self.request("GET", url, query_string=query, expect_status=expect_status)

    def request(self, method: str, url: str, expect_status: int | None = None, **options) -> Page:
        options = {key: value for key, value in options.items() if value is not None}
        response = self.client.open(_path_of(url), method=method, follow_redirects=True, **options)
        final_url = urljoin(self.base_url, response.request.path)
        if response.request.query_string:
            final_url += "?" + response.request.query_string.decode()
        html = response.get_data(as_text=True) if response.mimetype in ("text/html", "") else ""
        page = Page(
            self, final_url, response.status_code, html, response.content_type, BeautifulSoup(html, "html.parser")
        )
        page.response = response
        expected = expect_status if expect_status is not None else 200
        if page.status != expected:
            raise AssertionError(
                f"{method} {url} ended at {final_url} with {page.status}, not {expected}:\n"
                f"{page.text[:1500] if html else response.get_data()[:500]}"
            )
        self.history.append(page)
        return page


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _action_of(tag: Tag, page_url: str) -> str:
    return _path_of(urljoin(page_url, tag.get("action") or page_url))


def _button_texts(tag: Tag) -> list[str]:
    return [
        b.get_text(" ", strip=True) or b.get("value", "")
        for b in tag.find_all(["button", "input"])
        if b.name == "button" or b.get("type") == "submit"
    ]


def _button(tag: Tag, text: str) -> Tag | None:
    for candidate in tag.find_all(["button", "input"]):
        if candidate.name == "input" and candidate.get("type") != "submit":
            continue
        label = candidate.get_text(" ", strip=True) or candidate.get("value", "")
        if text in f"{label} {candidate.get('aria-label', '')}":  # an icon button says what it does there
            return candidate
    return None


def _initial_values(control: Tag, kind: str) -> list[str]:
    if kind in CHOICE_TYPES:
        return [control.get("value", "on")] if control.has_attr("checked") else []
    if kind == "file":
        return []
    if control.name == "textarea":
        text = control.get_text()
        return [text[1:] if text.startswith("\n") else text]
    if control.name == "select":
        options = control.find_all("option")
        selected = [o for o in options if o.has_attr("selected")]
        if not selected and options and not control.has_attr("multiple"):
            selected = options[:1]
        return [o.get("value", o.get_text(strip=True)) for o in selected]
    return [control.get("value", "")]
