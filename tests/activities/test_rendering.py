"""The templates' environment: compiled templates shared by every environment of the process
(the tests and the simulation build a worker each), and never a stale one."""

import os
from pathlib import Path

from activities.rendering import make_environment, render


def test_a_template_edited_on_disk_renders_its_new_text_in_every_environment(
    tmp_path: Path,
) -> None:
    template = tmp_path / "emails" / "note.txt.j2"
    template.parent.mkdir()
    template.write_text("Dear {{ name }}, {{ 1234.5 | money('EUR') }} is due.\n", "utf-8")
    first, second = make_environment(tmp_path), make_environment(tmp_path)
    assert (
        render(first, "emails/note.txt.j2", {"name": "Ana"}) == "Dear Ana, EUR 1,234.50 is due.\n"
    )
    assert render(second, "emails/note.txt.j2", {"name": "Bo"}) == "Dear Bo, EUR 1,234.50 is due.\n"

    # A seller fixes the wording: the next render reads it, in an environment that rendered
    # the old text and in one built afterwards (the compiled old text is not reused).
    template.write_text("Hello {{ name }}, {{ 99 | money('EUR') }} is due.\n", "utf-8")
    later = template.stat().st_mtime + 5
    os.utime(template, (later, later))  # the same second as the first write, on a coarse clock
    assert render(first, "emails/note.txt.j2", {"name": "Ana"}) == "Hello Ana, EUR 99.00 is due.\n"
    third = make_environment(tmp_path)
    assert render(third, "emails/note.txt.j2", {"name": "Cy"}) == "Hello Cy, EUR 99.00 is due.\n"
