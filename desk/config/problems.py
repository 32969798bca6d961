"""What a desk.toml validation error says, in the reader's language.

pydantic words its own refusals in English (``Field required``); desk's validators raise
``refusal(kind, ...)`` instead of a bare ValueError. ``reason`` turns either into the words of
``errors.config_value_<kind>`` (the kind is pydantic's error type for its own refusals, such as
``missing`` or ``extra_forbidden``), said in the language the error is shown in; a refusal the
catalogs do not word keeps pydantic's English text.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails, PydanticCustomError

from desk.errors import ConfigError, Said
from desk.i18n import Catalog

_PREFIX = "desk_"


def refusal(kind: str, /, **context: Any) -> PydanticCustomError:
    """The error a desk.toml validator raises (a ValueError): ``errors.config_value_<kind>``
    says it, formatted with ``context``."""
    english = Catalog("en").t(f"errors.config_value_{kind}", **context)
    return PydanticCustomError(_PREFIX + kind, english, context)


def reason(error: ErrorDetails) -> Said | str:
    """Why pydantic refused a value, as an error's parameter: catalog words when the catalogs
    have words for this kind of refusal, else pydantic's own text."""
    kind = error["type"].removeprefix(_PREFIX)
    key = f"config_value_{kind}"
    if Catalog("en").t(f"errors.{key}") == f"errors.{key}":
        return str(error["msg"])
    context = {name: str(value) for name, value in (error.get("ctx") or {}).items()}
    if "expected" in context:  # pydantic's "'a', 'b' or 'c'": its "or" is English
        context["expected"] = context["expected"].replace(" or ", ", ")
    return Said(ConfigError.from_catalog(key, **context))


def where(error: ErrorDetails) -> str:
    """The dotted place of the refused value in the file (``channel.0.url``)."""
    return ".".join(str(part) for part in error["loc"])
