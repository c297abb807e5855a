"""HTML templates to PDF with WeasyPrint, offline.

Pure: a context in, PDF bytes out; no database. Every asset comes from reports/static (fonts
are the machine's, found by fontconfig); the URL fetcher refuses anything that is not a file
in that folder, so a template (or a value in a context) can never make the server fetch a
remote URL.
"""
from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jinja2
from markupsafe import Markup

from .kinds import KINDS, LEVIES, LEVY_LABELS, check

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


class RemoteFetchRefused(ValueError):
    pass


def _check_local(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme == "data":
        return
    if parsed.scheme != "file":
        raise RemoteFetchRefused(f"documents use local assets only; refused {url!r}")
    path = Path(unquote(parsed.path)).resolve()
    if STATIC not in path.parents:
        raise RemoteFetchRefused(f"only files under reports/static are served; refused {url!r}")


def local_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves data: URLs and files inside reports/static and
    refuses every other URL (http, https, ftp, files elsewhere)."""
    try:  # WeasyPrint >= 68: a URLFetcher class with a fetch method
        from weasyprint.urls import URLFetcher
    except ImportError:  # older WeasyPrint: a function
        from weasyprint.urls import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            _check_local(url)
            return default_url_fetcher(url, *args, **kwargs)
        return fetch

    class LocalOnly(URLFetcher):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            _check_local(url)
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("file", "data"), fail_on_errors=True)


def rupees(value: Any) -> str:
    """`Rs 1,234,567.89`: exact, two places, half up."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rs {abs(amount):,}"


def long_date(value: Any) -> str:
    """26 November 2026."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def css_string(value: Any) -> Markup:
    """A value as a CSS string literal, safe inside a <style> element."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    text = text.replace("<", "\\3C ").replace(">", "\\3E ").replace("&", "\\26 ")
    return Markup(f'"{text}"')


def levy_total(levies: dict[str, Any] | None) -> Decimal:
    return sum((Decimal(str((levies or {}).get(k) or 0)) for k in LEVIES), Decimal(0))


def sum_total(block: dict[str, Any] | None) -> Decimal:
    block = block or {}
    return (levy_total(block.get("levies")) + Decimal(str(block.get("penalty") or 0))
            + Decimal(str(block.get("fine") or 0)))


def humanise(value: Any) -> str:
    return str(value or "").replace("_", " ")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=jinja2.select_autoescape(["html"]),
                             trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(rupees=rupees, long_date=long_date, css_string=css_string,
                       levy_total=levy_total, sum_total=sum_total, humanise=humanise)
    env.globals.update(LEVIES=LEVIES, LEVY_LABELS=LEVY_LABELS, KINDS=KINDS)
    return env


def html(template: str, context: dict[str, Any]) -> str:
    return environment().get_template(template).render(**context)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


PRINT_CSS = STATIC / "print.css"
_per_thread = threading.local()


def _resources() -> tuple[Any, Any, Any]:
    """The URL fetcher, font configuration and parsed print.css, made once per thread and
    reused by every render: WeasyPrint otherwise builds a FontConfiguration and fetches and
    parses the stylesheet for each document (a fifth of a render's CPU). Per thread, because
    neither object is documented as safe to share between threads."""
    resources = getattr(_per_thread, "resources", None)
    if resources is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        fetcher, fonts = local_only_fetcher(), FontConfiguration()
        stylesheet = CSS(filename=str(PRINT_CSS), base_url=str(STATIC) + "/",
                         url_fetcher=fetcher, font_config=fonts)
        resources = _per_thread.resources = (fetcher, fonts, stylesheet)
    return resources


def render_html(markup: str) -> Rendered:
    """Lay out `markup` with print.css (the templates carry only their per-document <style>)."""
    from weasyprint import HTML
    fetcher, fonts, stylesheet = _resources()
    document = HTML(string=markup, base_url=str(STATIC) + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts)
    return Rendered(document.write_pdf(), len(document.pages))


def render_document(kind: str, context: dict[str, Any]) -> Rendered:
    """Check the kind's required elements, then lay the document out."""
    checked = check(kind, context)
    spec = KINDS[kind]
    return render_html(html(spec.template, {**checked, "title": spec.title, "kind": kind}))


def render(kind: str, context: dict[str, Any]) -> bytes:
    return render_document(kind, context).pdf
