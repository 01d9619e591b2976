"""Validation errors as one line a person can act on."""

from pydantic import ValidationError


def describe(err: ValidationError) -> str:
    """`field.path: what is wrong; other.field: ...` for every problem pydantic found."""
    parts = []
    for problem in err.errors():
        field = ".".join(str(p) for p in problem["loc"]) or "payload"
        parts.append(f"{field}: {problem['msg']}")
    return "; ".join(parts)
