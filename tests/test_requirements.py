"""Our requirements, followed through the installed packages' metadata, never ask for an extra that the package
does not provide: pip warns "X does not provide the extra 'y'" for each one, on every install."""

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement

from rag.settings import REPO_ROOT


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 / PEP 685


def missing_extras() -> list[str]:
    """(requirement -> package without that extra) for every requirement reachable from pyproject.toml."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pending = [(Requirement(r), "pyproject.toml", "")
               for r in project["dependencies"] + [r for rs in project["optional-dependencies"].values() for r in rs]]
    seen, problems = set(), []
    while pending:
        req, wanted_by, extra = pending.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue  # an extra that is not installed here (e.g. llm): nothing to follow
        provided = {_norm(e) for e in dist.metadata.get_all("Provides-Extra") or []}
        for wanted in sorted(req.extras):
            if _norm(wanted) not in provided:
                problems.append(f"{wanted_by} asks for {req.name}[{wanted}]: {req.name} {dist.version} has no such extra")
        for active in [""] + sorted(_norm(e) for e in req.extras):
            key = (_norm(req.name), active)
            if key in seen:
                continue
            seen.add(key)
            pending += [(Requirement(r), f"{dist.metadata['Name']} {dist.version}", active) for r in dist.requires or []]
    return problems


def test_no_requirement_asks_for_a_missing_extra():
    assert missing_extras() == []
