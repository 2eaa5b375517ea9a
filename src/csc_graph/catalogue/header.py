"""The '#+' YAML header at the top of a .rq file: read without knowing what it declares.

queries.py checks a named query's header against its schema; validation.py only needs a
QC check's summary. Both read the header here, so the two never disagree about its shape.
"""

import yaml


def header_text(text: str) -> tuple[str, int]:
    """The YAML text of the leading '#+' lines, and the file line where it starts (1-based)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), 0)
    header = []
    for line in lines[start:]:
        if not line.startswith("#+"):
            break
        header.append(line[3:] if line.startswith("#+ ") else line[2:])
    return "\n".join(header), start + 1


def header_summary(text: str) -> str | None:
    """The header's ``summary``, or None when there is no readable one."""
    header, _ = header_text(text)
    try:
        meta = yaml.safe_load(header) if header else None
    except yaml.YAMLError:
        return None
    summary = meta.get("summary") if isinstance(meta, dict) else None
    return str(summary).strip() if summary else None
