"""The server's one handle on the engine. Service lines register their service-task handlers here."""

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock
from typing import Any

from django.conf import settings

from workflows import BpmnError, Engine, ProcessPackage, ServiceParams

Handler = Callable[[dict[str, Any]], Any]

__all__ = ["BpmnError", "ServiceOperator", "engine", "package_for", "register_service", "service_operators"]


@dataclass(frozen=True)
class ServiceOperator:
    """A registered service: what a BPMN service task names as its operator, and what it reads."""

    name: str
    handler: Handler
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def description(self) -> str:
        """The first line of the handler's docstring ("中文 / English"), shown to designers."""
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else ""


_SERVICES: dict[str, ServiceOperator] = {}
_PACKAGES: OrderedDict[str, ProcessPackage] = OrderedDict()
_PACKAGES_LOCK = Lock()
_PACKAGE_CACHE_SIZE = 128


def register_service(
    name: str, *, params: Iterable[str], optional: Iterable[str] = ()
) -> Callable[[Handler], Handler]:
    """Register a handler for BPMN service tasks whose operator is `name` (call in AppConfig.ready).

    `params` are the parameters the handler cannot do without, `optional` the others it reads:
    together, every key it reads from its `params` dict. A deploy refuses a service task that
    leaves out a required one or passes one not listed.

    A handler raises `BpmnError(code, message, data)` (importable from here) for a business
    outcome the diagram handles: the error boundary event on the service task that names that
    `errorCode` takes the case on. Any other exception is a failure of the step.
    """
    if isinstance(params, str) or isinstance(optional, str):
        raise TypeError(f"{name}: params and optional are sequences of names, not one string")
    required, others = tuple(params), tuple(optional)
    names = (*required, *others)
    if len(set(names)) != len(names) or not all(p.isidentifier() for p in names):
        raise ValueError(f"{name}: parameter names must be distinct identifiers, got {names}")

    def decorator(handler: Handler) -> Handler:
        _SERVICES[name] = ServiceOperator(name, handler, required, others)
        engine.cache_clear()
        return handler

    return decorator


def service_operators() -> list[ServiceOperator]:
    """Every registered service, by name."""
    return [_SERVICES[name] for name in sorted(_SERVICES)]


@lru_cache(maxsize=1)
def engine() -> Engine:
    from server.processes.deadlines import PROCESS_FUNCTIONS

    return Engine(
        services={name: service.handler for name, service in _SERVICES.items()},
        service_params={
            name: ServiceParams(service.required, service.optional) for name, service in _SERVICES.items()
        },
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
    package = engine().compile(definition.file_bytes(), default_group=definition.default_group or None)
    with _PACKAGES_LOCK:
        _PACKAGES[definition.digest] = package
        while len(_PACKAGES) > _PACKAGE_CACHE_SIZE:
            _PACKAGES.popitem(last=False)
    return package
