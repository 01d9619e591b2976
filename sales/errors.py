"""Validation errors as one line a person can act on."""

from pydantic import ValidationError


def describe(err: ValidationError, whole: str = "payload") -> str:
    """`field.path: what is wrong; other.field: ...` for every problem pydantic found;
    a problem of the whole model is named `whole`."""
    parts = []
    for problem in err.errors():
        field = ".".join(str(p) for p in problem["loc"]) or whole
        # Our own validators raise ValueError; pydantic prefixes its text with this.
        message = str(problem["msg"]).removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)
