"""Query strings no filter can use, refused before any view reads them.

A NUL character cannot be stored or compared in a PostgreSQL text value: a filter passing one
on (`?role=%00`, `?q=a%00b`) makes the query fail, a 500 on PostgreSQL where SQLite just finds
nothing. No username, code, name or search term holds one, so a query parameter with a NUL in
its name or value is a 400 naming the parameter, for every view at once (API list filters,
django-filter sets, the admin's search, plain Django views) rather than view by view.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from server.core.errors import problem

NUL_MESSAGE = "不能包含空字符（NUL） / Must not contain a NUL character."


def nul_parameters(query: dict[str, list[str]]) -> list[str]:
    """The query parameters whose name or any value holds a NUL, in order, each once."""
    return [name for name, values in query.items() if "\x00" in name or any("\x00" in v for v in values)]


class RefuseNulInQueryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        names = nul_parameters(dict(request.GET.lists()))
        if not names:
            return self.get_response(request)
        shown = [name.replace("\x00", "\\0") for name in names]
        return JsonResponse(
            problem(
                400,
                detail=f"{shown[0]}: {NUL_MESSAGE}",
                code="invalid",
                errors=dict.fromkeys(shown, [NUL_MESSAGE]),
            ),
            status=400,
            content_type="application/problem+json",
        )
