"""The Content-Security-Policy every response carries, checked in Debian chromium on every page
and view (issue 13, #6): no page breaks it, and the browser really enforces it.

A `securitypolicyviolation` listener is installed before any script of the page runs; console
errors are recorded too (chromium reports a blocked script or style there). The other browser
tests (query page, views, ontology) assert no console error while they click and type, so the
policy is exercised in use as well as on load.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from reformkg.web.guard import CSP

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""
RK = "https://w3id.org/reformkg/ontology#"
PAGES = [
    "/",
    "/?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 5"),
    "/search?q=开办企业",
    "/search?q=",
    "/id/doc/sz-bizenv-2022-b1",
    "/id/measure/sz-bizenv-2022-b1/1",
    "/id/agency/深圳市市场监督管理局",
    "/resource?iri=" + quote(RK + "Measure"),
    "/resource?iri=" + quote(RK + "leadAgency"),
    "/resource?iri=" + quote("https://w3id.org/reformkg/graph/links"),
    "/viz",
    "/viz/agencies",
    "/viz/evolution",
    "/viz/themes",
    "/viz/agencies?doc=sz-bizenv-2022-b1",
    "/lineages",
    "/lineages/sz-bizenv-2022-b1/34",
    "/workload",
    "/deadlines",
    "/ontology",
    "/queries?format=html",
    "/queries/documents-timeline?format=html",
    "/queries/overdue-measures?format=html&asOf=2023-01-01",
    "/id/no-such-thing",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_keeps_the_policy(live_server: str, page, path: str) -> None:
    page.add_init_script(LISTEN)
    response = page.goto(live_server + path, wait_until="networkidle")
    assert response is not None and response.headers["content-security-policy"] == CSP
    if path.startswith("/?query="):
        page.wait_for_selector("table.results tbody tr")  # the shared query ran
    page.wait_for_timeout(300)
    assert page.evaluate("window.__violations") == []
    policy = [e for e in page.console_errors if "Content Security Policy" in e]
    assert policy == []


def test_the_browser_enforces_it(live_server: str, page) -> None:
    """An inline script added at run time is refused and reported: the listener and the
    policy both work, so the empty lists above mean something."""
    page.add_init_script(LISTEN)
    page.goto(live_server + "/", wait_until="networkidle")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = 1"; document.body.appendChild(s); }"""
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert "script-src" in page.evaluate("window.__violations")[0]
    framed = page.evaluate(
        """async (url) => { const f = document.createElement("iframe"); f.src = url;
                            document.body.appendChild(f);
                            await new Promise((ok) => setTimeout(ok, 1000));
                            try { return f.contentDocument && f.contentDocument.body
                                         ? f.contentDocument.body.innerHTML.length : -1; }
                            catch (e) { return -2; } }""",
        live_server + "/healthz",
    )
    assert framed in (-1, -2, 0)  # frame-ancestors 'none' / X-Frame-Options: DENY: not shown
