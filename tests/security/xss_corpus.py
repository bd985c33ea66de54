"""Hostile text for the XSS tests: payloads, the way they are spread over the app's text fields,
and the checks that say whether one got through.

Every payload is a template with `{m}`, replaced by a marker naming the field and the payload
(`kx0712`: field 7, payload 12), so that whatever gets through can be traced back to where it
was typed. The markers are plain letters and digits: they survive escaping, so the page text
shows which payloads were rendered (as text) on which page.
"""

import re
from dataclasses import dataclass

from kaiku_training.core.forms import WEB_ADDRESS

# Markup: tags, event handlers, script URLs, SVG and MathML, attribute and element breaking.
MARKUP = [
    "<script>alert('{m}')</script>",
    "<img src=x onerror=alert('{m}')>",
    "<img/src/onerror=alert('{m}')>",
    "<svg onload=alert('{m}')>",
    "<svg><script>alert('{m}')</script></svg>",
    "<svg><animate onbegin=alert('{m}') attributeName=x dur=1s>",
    "<svg><a xlink:href=javascript:alert('{m}')><text>x</text></a></svg>",
    "\"><img src=x onerror=alert('{m}')>",
    "'><svg/onload=alert('{m}')>",
    '" onmouseover="alert(\'{m}\')" x="',
    "' onfocus='alert(\"{m}\")' autofocus x='",
    "` onerror=alert('{m}') `",
    '" {m}="injected',
    "<a href=\"javascript:alert('{m}')\">{m}</a>",
    "<a href=\"jAvAsCrIpT:alert('{m}')\">x</a>",
    "<a href=\"&#106;avascript:alert('{m}')\">x</a>",
    "<a href=\"java\tscript:alert('{m}')\">x</a>",
    "<a href=\"vbscript:msgbox('{m}')\">x</a>",
    "<iframe src=\"javascript:alert('{m}')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('{m}')</script>\">",
    "<object data=\"data:text/html,<script>alert('{m}')</script>\">",
    '<embed src="data:text/html,<b>{m}</b>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('{m}')>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('{m}')>\">",
    "<style>*{{background:url(//evil.example/{m})}}</style>",
    "<div style=\"background:url(javascript:alert('{m}'))\">x</div>",
    "<details open ontoggle=alert('{m}')>",
    "<input autofocus onfocus=alert('{m}')>",
    "<form action=\"javascript:alert('{m}')\"><button>x</button></form>",
    "<button formaction=javascript:alert('{m}')>x</button>",
    "<base href=\"javascript:alert('{m}')//\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('{m}')\">",
    "<video><source onerror=alert('{m}')></video>",
    "<marquee onstart=alert('{m}')>x</marquee>",
    "<{m} onclick=alert(1)>x</{m}>",
    "<scr<script>ipt>alert('{m}')</script>",
    "<!--{m}--><script>alert(1)</script>",
    "</textarea><script>alert('{m}')</script>",
    "</title><script>alert('{m}')</script>",
    "\u202e<img src=x onerror=alert('{m}')>",
    "\uff1cscript\uff1ealert('{m}')\uff1c/script\uff1e",
    "%3Cscript%3Ealert('{m}')%3C/script%3E",
    # Markdown: links and images with script URLs, broken out of their attribute, autolinks.
    "[{m}](javascript:alert('{m}'))",
    "[{m}](JaVaScRiPt:alert(1))",
    "[{m}](data:text/html,<script>alert(1)</script>)",
    "![{m}](x\" onerror=\"alert('{m}'))",
    "![{m}](javascript:alert('{m}'))",
    '[{m}](https://x.example/"onmouseover="alert(1))',
    "<javascript:alert('{m}')>",
    # Template injection: must show as typed, never evaluated.
    "{m}{{{{7*7}}}}${{7*7}}{{% raw %}}",
]
# Cells a spreadsheet would run as a formula, and text that would add lines to a calendar.
FORMULAS = [
    '=HYPERLINK("https://evil.example/{m}")',
    "+1+1 {m}",
    "-1+1 {m}",
    "@SUM(1) {m}",
]
CALENDAR = [
    "{m}\r\nATTENDEE:mailto:evil@example.org",
    "{m}\nBEGIN:VEVENT\nUID:evil\nEND:VEVENT",
    "{m};X-EVIL=1:x\\n,;",
]
PAYLOADS = MARKUP + FORMULAS + CALENDAR
FIRST_FORMULA = len(MARKUP)
# Link fields (checked as URLs by their forms) get these instead: script schemes, and an
# address that breaks out of its attribute.
URL_PAYLOADS = [
    "javascript://x.example/%0Aalert('{m}')",
    "JAVASCRIPT://x.example/%0Aalert('{m}')",
    "data://x.example/,<script>alert('{m}')</script>",
    "vbscript://x.example/{m}",
    "https://x.example/\"><svg/onload=alert('{m}')>",
    "https://x.example/{m}?a=\"'><img src=x onerror=alert(1)>",
]

MARKER = re.compile(r"kx(\d\d)(\d\d)")
SEPARATOR = " · "


def marker(field: int, payload: int) -> str:
    return f"kx{field:02d}{payload:02d}"


@dataclass(frozen=True)
class Field:
    """A text field people write, as the corpus knows it: a number for its markers, a name for
    the report, and its length limit (a value that fits the form's limit)."""

    number: int
    name: str
    max_length: int = 200
    markdown: bool = False
    multiline: bool = True  # False: single-line inputs, where a browser cannot send a line break
    url: bool = False
    # False: the pages show only part of it (to the person who wrote it, or in one email in the
    # outbox); the exports and emails carry all of it.
    pages_show_all: bool = True
    lead: int = 0  # the payload its values start with (a spreadsheet header that starts with "=")
    # True: the form refuses web addresses (a stranger's name that reaches someone's inbox), so
    # the payloads carrying one are kept out: the refusal has its own test.
    links_refused: bool = False

    def payloads(self) -> list[str]:
        templates = URL_PAYLOADS if self.url else PAYLOADS
        texts = [template.format(m=marker(self.number, index)) for index, template in enumerate(templates)]
        texts = texts[self.lead :] + texts[: self.lead]
        if not self.multiline:
            texts = [" ".join(text.split("\n")).replace("\r", "") for text in texts]
        if self.links_refused:
            texts = [text for text in texts if not WEB_ADDRESS.search(text)]
        return texts

    def markers(self) -> set[str]:
        return markers_in(" ".join(self.payloads()))

    def whole(self) -> str:
        """Every payload in one text: one paragraph each in Markdown, one line each otherwise."""
        return self._joined(self.payloads())

    def share(self, index: int, records: int) -> str:
        """The index-th of `records` records' share of the payloads: each payload in one record."""
        return self._joined(self.payloads()[index % records :: records])

    def _joined(self, texts: list[str]) -> str:
        return ("\n\n" if self.markdown else "\n" if self.multiline else SEPARATOR).join(texts)

    def chunks(self) -> list[str]:
        """Every payload, packed into as few values within the length limit as possible."""
        chunks, current = [], ""
        for text in self.payloads():
            joined = f"{current}{SEPARATOR}{text}" if current else text
            if len(joined) <= self.max_length:
                current = joined
            else:
                chunks.append(current)
                current = text
        return [*chunks, current] if current else chunks

    def value(self, index: int) -> str:
        """The value of this field in the index-th record (records beyond the chunks repeat them)."""
        chunks = self.chunks()
        return chunks[index % len(chunks)]


class Fields:
    """The numbered fields of one test run."""

    def __init__(self):
        self.all: list[Field] = []

    def add(self, name: str, **options) -> Field:
        field = Field(len(self.all) + 1, name, **options)
        self.all.append(field)
        return field


def markers_in(text: str) -> set[str]:
    return {match.group(0) for match in MARKER.finditer(text)}


# --- what counts as injected, in a page Chromium rendered ------------------------------------------

# Run in the page: every element, attribute or URL that markup typed into a field could have made,
# and the markers shown as text.
# Our templates have no event handler attributes, no scripts, no frames and no script URLs, so any
# of these is injected whatever it carries; a marker in a tag or attribute name is injected too.
INJECTION_PROBE = r"""() => {
  const found = [];
  const describe = el => el.outerHTML.slice(0, 160);
  // The scheme as the browser itself reads the address (it drops tabs and line breaks, and
  // spaces and control characters around it).
  const scriptUrl = value => {
    try { return ['javascript:', 'vbscript:', 'data:'].includes(new URL(value, document.baseURI).protocol); }
    catch (error) { return false; }
  };
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (/kx\d{4}/i.test(tag)) found.push('element named by a payload: ' + describe(el));
    if (['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'math',
         'marquee', 'video', 'audio', 'source', 'noscript'].includes(tag)) {
      found.push(`<${tag}> element: ` + describe(el));
    }
    if (tag === 'style' || (tag === 'meta' && el.hasAttribute('http-equiv')) || (tag === 'link' && el.closest('body'))) {
      found.push(`<${tag}> element: ` + describe(el));
    }
    if (tag === 'svg' && !el.closest('figure.chart, .chart')) found.push('<svg> outside the charts: ' + describe(el));
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) found.push(`event handler ${name}: ` + describe(el));
      if (/kx\d{4}/i.test(name)) found.push(`attribute named by a payload (${name}): ` + describe(el));
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'background', 'poster', 'lowsrc']
            .includes(name) && scriptUrl(attribute.value)) {
        found.push(`script URL in ${name}: ` + describe(el));
      }
      if (name === 'srcdoc' || (name === 'style' && /kx\d{4}|url\(|expression/i.test(attribute.value))) {
        found.push(`${name} attribute: ` + describe(el));
      }
    }
  }
  // The markers the page shows: in its text, and in form values (what an edit form gives back).
  const texts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('input, textarea, option')) texts.push(el.value);
  return {found, shown: [...new Set(texts.join(' ').match(/kx\d{4}/g) || [])], text: document.body.innerText};
}"""

TEMPLATE_EVALUATED = re.compile(r"kx\d{4}(?:49|\$49)")


def csp_or_script_console_message(text: str) -> bool:
    """A console message that means a page tried to run or load something its CSP forbids."""
    return "Content Security Policy" in text or "Refused to" in text
