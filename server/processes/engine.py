"""The server's one handle on the engine. Service lines register their service-task handlers here."""

from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from threading import Lock
from typing import Any

from django.conf import settings

from workflows import Engine, ProcessPackage

_SERVICES: dict[str, Callable[[dict], Any]] = {}
_PACKAGES: OrderedDict[str, ProcessPackage] = OrderedDict()
_PACKAGES_LOCK = Lock()
_PACKAGE_CACHE_SIZE = 128


def register_service(name: str) -> Callable[[Callable[[dict], Any]], Callable[[dict], Any]]:
    """Register a handler for BPMN service tasks whose operator is `name` (call in AppConfig.ready)."""

    def decorator(handler: Callable[[dict], Any]) -> Callable[[dict], Any]:
        _SERVICES[name] = handler
        engine.cache_clear()
        return handler

    return decorator


@lru_cache(maxsize=1)
def engine() -> Engine:
    from server.processes.deadlines import PROCESS_FUNCTIONS

    return Engine(
        services=dict(_SERVICES),
        functions=PROCESS_FUNCTIONS,
        script_time_limit=settings.LEXFLOW["SCRIPT_TIME_LIMIT"],
    )


def package_for(definition: Any) -> ProcessPackage:
    """The compiled package of a deployed definition, compiled once per content and kept.

    Keyed by the files' digest, not the row id: ids can be reused (a rolled-back SQLite
    insert), content cannot.
    """
    with _PACKAGES_LOCK:
        package = _PACKAGES.get(definition.digest)
        if package is not None:
            _PACKAGES.move_to_end(definition.digest)
            return package
    package = engine().compile(definition.file_bytes())
    with _PACKAGES_LOCK:
        _PACKAGES[definition.digest] = package
        while len(_PACKAGES) > _PACKAGE_CACHE_SIZE:
            _PACKAGES.popitem(last=False)
    return package
