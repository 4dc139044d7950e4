"""Every public name of the package has a docstring of its own: each name of
``tws.__all__`` and of the public modules, and each public method and
property of their classes. Constants (``ALL_TAGS``, ``TWS_EVENT_*``) are
documented by comments and the README."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
from typing import Iterator, Tuple

import tws

MODULES = ["tws", "tws.aio", "tws.client", "tws.errors", "tws.events", "tws.log", "tws.market", "tws.orders", "tws.record", "tws.util"]


def own_doc(obj: object) -> str:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and doc and doc.startswith(obj.__name__ + "("):
        return ""  # the signature dataclasses writes when a class has none
    if isinstance(obj, type) and issubclass(obj, enum.Enum) and doc in ("An enumeration.", None):
        return ""
    return (doc or "").strip()


def public_names(module_name: str) -> Iterator[Tuple[str, object]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and getattr(obj, "__module__", "").startswith("tws"):
            yield f"{module_name}.{name}", obj


def members(cls: type) -> Iterator[Tuple[str, object]]:
    """Public methods and properties of ``cls`` and of the package's classes
    it inherits from (mixins such as ``MarketMixin`` included)."""
    seen = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("tws"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if inspect.isfunction(value) or isinstance(value, property):
                yield name, value


def test_every_public_name_has_a_docstring():
    missing = []
    seen = set()
    for module_name in MODULES:
        assert own_doc(importlib.import_module(module_name)), f"module {module_name}"
        for qualified, obj in public_names(module_name):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if not own_doc(obj):
                missing.append(qualified)
            if inspect.isclass(obj):
                for name, member in members(obj):
                    if not own_doc(member):
                        missing.append(f"{qualified}.{name}")
    assert not missing, f"{len(missing)} public names without a docstring: {missing}"


def test_the_check_sees_what_it_checks():
    assert len(tws.__all__) > 100  # every generated class is walked too
    names = {q for m in MODULES for q, _ in public_names(m)}
    assert "tws.aio.AsyncClient" in names and "tws.util.df" in names and "tws.Client" in names

    class Bare:
        def method(self) -> None:
            pass

    assert own_doc(Bare) == "" and own_doc(Bare.method) == ""
    # Methods a mixin gives the client are checked on the client.
    assert "contract_details" in dict(members(tws.Client))
    assert "account_summary" in dict(members(tws.aio.AsyncClient))
