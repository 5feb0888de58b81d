"""The web app: Django serves the built frontend (frontend/dist) and the API from one origin.

Whitenoise serves the hashed files under /assets/ (cached for a year, gzip/brotli when built
that way); every other non-API path answers with index.html, so deep links such as
/portal/cases/12 work on reload. The page sets the CSRF cookie the app sends back on writes.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

NOT_BUILT = """<!doctype html><html lang="zh-Hans"><meta charset="utf-8">
<title>Lexflow</title><body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>前端尚未构建 / The web app is not built</h1>
<p>运行 <code>make run</code>（或 <code>make frontend</code>）构建前端。
Run <code>make run</code> (or <code>make frontend</code>) to build it.</p>
<p><a href="/api/docs/">API 文档 / API docs</a></p></body></html>"""


@never_cache
@ensure_csrf_cookie
def app_index(request: HttpRequest) -> HttpResponse:
    index = settings.FRONTEND_DIST / "index.html"
    try:
        html = index.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HttpResponse(NOT_BUILT, status=503)
    return HttpResponse(html)
