"""How models travel in workflow and activity payloads: as what they set, without the fields
left at their defaults (a third to a half of their bytes in every history event carrying them),
and read back the same. A default is then a contract: changing one changes what an old payload
means, so a changed default goes behind a process version (`workflows/versions.py`)."""

from typing import Any

from pydantic import BaseModel, PlainSerializer, SerializerFunctionWrapHandler, model_serializer


def as_set(model: BaseModel) -> dict[str, Any]:
    """`model` as JSON without what it leaves at the defaults, at every depth."""
    return model.model_dump(mode="json", exclude_defaults=True)


# For a field (`Annotated[Playbook, AS_SET]`): the value travels as it sets.
AS_SET = PlainSerializer(as_set, when_used="json")


class SetOnly(BaseModel):
    """A request that travels without its own fields left at their defaults (no empty context,
    attachments or absent contract in every email's input)."""

    @model_serializer(mode="wrap", when_used="json")
    def _set_only(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        fields = type(self).model_fields
        return {
            key: value
            for key, value in data.items()
            if key not in fields
            or fields[key].is_required()
            or value != fields[key].get_default(call_default_factory=True)
        }
