"""What a running service holds in memory about a chat: every object reachable from the
service (its Application, Services, bot_data, job queue, and the state of this project's
modules) is walked, and each int equal to the chat's id, and each str or bytes holding it
as a whole number, is reported with the path that reaches it, e.g.
``app.rate_limiter._chats['7700000123']``. After /forget the list must be empty, whatever
structures are added later (see tests/test_forget_memory.py).

Not walked into, each for its reason (:data:`OPAQUE`): modules reached from an object
(this project's modules are roots themselves; a library's module globals are its code
and constants), classes and code objects (code, not state), the event loop (it reaches
every task of the process: the test's own and the fake Bot API's, which hold the id by
design), and loggers and their handlers (what is logged is the operators' record, not
the service's state: tests/test_forget_memory.py reports what reaches the logs). A
function is walked into its closure and defaults, not its module's globals.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import types
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from bot.app import Service
from tests.service import id_pattern

#: this project's top-level packages: their modules' globals are roots of the walk
PACKAGES = ("bot", "handlers", "jobs")
OPAQUE: tuple[type, ...] = (types.ModuleType, type, types.CodeType,
                            asyncio.AbstractEventLoop, logging.Logger, logging.Handler,
                            logging.Manager)
SCALARS: tuple[type, ...] = (int, float, complex, str, bytes, bytearray, bool, type(None))
LEAVES = SCALARS + OPAQUE


def service_roots(service: Service) -> dict[str, object]:
    """Where the walk starts: the service and its parts, and this project's modules."""
    app = service.app
    assert app is not None
    roots: dict[str, object] = {"service": service, "app": app, "services": service.services,
                                "bot_data": app.bot_data, "job_queue": app.job_queue}
    for name, module in sorted(sys.modules.items()):
        if name.split(".")[0] in PACKAGES and module is not None:
            roots[f"module {name}"] = vars(module)
    return roots


def _referents(obj: object) -> Iterable[object]:
    if isinstance(obj, types.FunctionType):  # not __globals__: the module, or a library's
        return (*(obj.__closure__ or ()), *(obj.__defaults__ or ()),
                *(obj.__kwdefaults__ or {}).values(), obj.__dict__)
    if type(obj) is dict:  # gc skips the keys of a dict whose keys are all str
        return (*obj, *obj.values())
    return gc.get_referents(obj)


def _holds(obj: object, chat_id: int, pattern: Any) -> bool:
    if type(obj) is int:
        return obj == chat_id
    if isinstance(obj, str):
        return pattern.search(obj) is not None
    if isinstance(obj, bytes | bytearray):
        return pattern.search(bytes(obj).decode("latin-1")) is not None
    return False


def holders(roots: Mapping[str, object], chat_id: int) -> list[str]:
    """The path to every object reachable from ``roots`` that holds ``chat_id`` (one per
    holder: the same int object held by two dicts is reported twice)."""
    pattern = id_pattern(chat_id)
    seen: dict[int, object] = {}  # id -> object: kept alive, so ids are not reused
    parent: dict[int, int | str] = {}  # id -> its parent's id, or the root's name
    todo: deque[object] = deque()
    for name, root in roots.items():
        if id(root) not in seen:
            seen[id(root)] = root
            parent[id(root)] = name
            todo.append(root)
    found: list[str] = []
    while todo:
        obj = todo.popleft()
        if isinstance(obj, LEAVES):
            continue
        for child in _referents(obj):
            if isinstance(child, SCALARS):
                if _holds(child, chat_id, pattern):
                    found.append(f"{_path(obj, child, seen, parent)} = {child!r:.80}")
            elif id(child) not in seen:
                seen[id(child)] = child
                parent[id(child)] = id(obj)
                todo.append(child)
    return found


def _path(holder: object, child: object, seen: dict[int, object],
          parent: dict[int, int | str]) -> str:
    """How ``child`` is reached from a root, through ``holder``."""
    chain = [child, holder]  # up to the root
    while not isinstance(up := parent[id(chain[-1])], str):
        chain.append(seen[up])
    steps, attributes = [up], False  # attributes: the holder is an object's __dict__
    for holder, node in zip(reversed(chain), reversed(chain[:-1]), strict=False):
        step = _step(holder, node)
        if attributes and step.startswith("['"):
            step = "." + step[2:-2]
        attributes = step == "" and isinstance(node, dict)
        steps.append(step)
    return "".join(steps)


def _step(holder: object, child: object) -> str:
    """How ``holder`` refers to ``child``: ``.name``, ``[key]``, ``<key>`` (a dict's key)."""
    kind = type(child).__name__
    if isinstance(holder, dict):
        for key, value in holder.items():
            if value is child:
                return f"[{key!r:.60}]"
            if key is child:
                return f"<key {key!r:.60}>"
    if isinstance(holder, list | tuple | deque):
        for i, value in enumerate(holder):
            if value is child:
                return f"[{i}]"
    if isinstance(holder, set | frozenset):
        return "{…}"
    if isinstance(holder, types.CoroutineType | types.GeneratorType | types.AsyncGeneratorType):
        frame = getattr(holder, "cr_frame", None) or getattr(holder, "gi_frame", None) \
            or getattr(holder, "ag_frame", None)
        name = holder.__qualname__
        if frame is not None:
            for local, value in frame.f_locals.items():
                if value is child:
                    return f" <{name}() local {local}>"
        return f" <{name}()>({kind})"
    attrs: dict[str, object] = {}
    if hasattr(holder, "__dict__") and not isinstance(holder, type):
        attrs.update(vars(holder))
    for cls in type(holder).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if not isinstance(slot, str):
                continue
            if slot.startswith("__") and not slot.endswith("__"):  # name-mangled
                slot = f"_{cls.__name__.lstrip('_')}{slot}"
            if hasattr(holder, slot):
                attrs.setdefault(slot, getattr(holder, slot))
    for name, value in attrs.items():
        if value is child:
            return f".{name}"
    if getattr(holder, "__dict__", None) is child:
        return ""
    return f" -> ({kind})"
