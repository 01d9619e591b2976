"""The Jinja2 environment shared by the email and document activities.

Strict about undefined names (a typo in a template fails the activity instead
of mailing a customer a blank), autoescaped for `.html.j2` only, and with
filters that read amounts the way they arrive from JSON (Decimals as strings).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jinja2
from temporalio.exceptions import ApplicationError

from sales.money import format_money


def as_decimal(value: Any) -> Decimal:
    """A Decimal from a Decimal, an int or a numeric string; a float goes through str."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected an amount, got {type(value).__name__} {value!r}")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def money(amount: Any, currency: str) -> str:
    """`1234.5, "EUR"` -> `EUR 1,234.50`, rounded half up to the currency's minor unit."""
    return format_money(as_decimal(amount), currency)


def number(value: Any) -> str:
    """A quantity without trailing zeros and with thousands separators: `1250.50` -> `1,250.5`."""
    amount = as_decimal(value)
    if amount == amount.to_integral_value():
        return f"{amount.quantize(Decimal(1)):,}"
    return f"{amount.normalize():,f}"


def percent(value: Any) -> str:
    """`19` -> `19%`, `"7.50"` -> `7.5%`."""
    return f"{number(value)}%"


def as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise TypeError(f"expected a date, got {type(value).__name__} {value!r}")


def format_date(value: date | str, fmt: str | None = None) -> str:
    """`2026-03-14` -> `14 March 2026`; a date, a datetime or an ISO string."""
    day = as_date(value)
    return day.strftime(fmt) if fmt else f"{day.day} {day:%B %Y}"


def duration(value: timedelta) -> str:
    """A playbook wait in words: `7 days`, `12 hours`."""
    if value.days and not value.seconds:
        return f"{value.days} day{'s' if value.days != 1 else ''}"
    hours = round(value.total_seconds() / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def total(items: Iterable[Any], key: str) -> Decimal:
    """The sum of one field over dicts or models, skipping absent values."""
    found = Decimal(0)
    for item in items:
        value = item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)
        if value is not None:
            found += as_decimal(value)
    return found


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates shared by every environment of the process, keyed by the template's
    file and checked against its source, so an edited template is compiled again. A process
    that builds many workers (the simulation, the tests) compiles each template once, not
    once per worker (parsing and compiling is most of a first render)."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)  # reset by jinja2 if the source changed

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """A strict environment over `templates_dir`; build one per activities instance."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=_COMPILED,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"),
            disabled_extensions=("txt", "j2"),
            default=False,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=money,
        number=number,
        percent=percent,
        date=format_date,
        duration=duration,
        total=total,
    )
    return env


def render(env: jinja2.Environment, name: str | list[str], context: Mapping[str, Any]) -> str:
    """Render one template (the first of `name` that exists, when a list); any template
    problem becomes a non-retryable `TemplateError`.

    Non-retryable because retrying at once cannot help: the sale turns it into "needs
    attention" (details and the NeedsAttention search attribute) and tries again later
    by itself. Templates are read from disk on each attempt, so it goes on once the
    file is fixed, instead of failing a sale that may have run for months.
    """
    shown = name if isinstance(name, str) else name[-1]
    wanted: str | list[str | jinja2.Template] = name if isinstance(name, str) else list(name)
    try:
        return env.get_or_select_template(wanted).render(context)
    except jinja2.TemplatesNotFound as err:
        where = ", ".join(map(str, getattr(env.loader, "searchpath", [])))
        tried = ", ".join(map(repr, err.templates))
        raise _template_error(shown, f"none of {tried} found (searched {where})") from err
    except jinja2.TemplateNotFound as err:
        where = ", ".join(map(str, getattr(env.loader, "searchpath", [])))
        raise _template_error(shown, f"{err.name!r} not found (searched {where})") from err
    except jinja2.TemplateSyntaxError as err:
        problem = f"syntax error in {err.name or shown} line {err.lineno}: {err.message}"
        raise _template_error(shown, problem) from err
    except jinja2.UndefinedError as err:
        raise _template_error(shown, f"undefined value: {err.message}") from err
    except (TypeError, ValueError, ArithmeticError) as err:
        raise _template_error(shown, f"{type(err).__name__}: {err}") from err


def _template_error(name: str, problem: str) -> ApplicationError:
    return ApplicationError(f"template {name}: {problem}", type="TemplateError", non_retryable=True)
