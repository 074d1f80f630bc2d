"""The user's mapping file: placeholders replykit does not know, and Zendesk locale ids.

```yaml
placeholders:                 # helpdesk placeholder -> replykit variable
  "{{ticket.id}}": ticket_id
  "%conversation.number%": case_id
zendesk_locale_ids:           # replykit locale -> the account's Zendesk locale id
  ja: 67
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from replykit.errors import LocaleError
from replykit.kb.yamlnodes import load_yaml_data
from replykit.l10n import normalize_locale
from replykit.onboard.errors import ImportInputError
from replykit.onboard.helpdesk import ZENDESK_LOCALE_IDS
from replykit.onboard.placeholders import PLAIN_NAME, RECORD_NAME, canonical


@dataclass
class Mapping:
    placeholders: dict[str, str] = field(default_factory=dict)
    zendesk_locale_ids: dict[str, int] = field(default_factory=lambda: dict(ZENDESK_LOCALE_IDS))

    def zendesk_locales_by_id(self) -> dict[int, str]:
        return {number: loc for loc, number in self.zendesk_locale_ids.items()}


def load_mapping(path: Path | None) -> Mapping:
    mapping = Mapping()
    if path is None:
        return mapping
    try:
        data = load_yaml_data(path, path.read_text(encoding="utf-8-sig"))  # bounded (kb/yamlnodes.py)
    except OSError as e:
        raise ImportInputError(f"{path}: cannot read the mapping file ({e.strerror}): check the path") from None
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", 0) + 1
        raise ImportInputError(
            f"{path}:{line}: the mapping file is not valid YAML: fix it as the error says ({e})"
        ) from None
    if data is None:
        return mapping
    if not isinstance(data, dict) or set(data) - {"placeholders", "zendesk_locale_ids"}:
        raise ImportInputError(
            f"{path}:1: the mapping file holds 'placeholders:' and 'zendesk_locale_ids:' mappings only"
        )
    for placeholder, variable in (data.get("placeholders") or {}).items():
        name = str(variable)
        if not (PLAIN_NAME.match(name) or RECORD_NAME.match(name)):
            raise ImportInputError(
                f"{path}: placeholder {placeholder} maps to '{name}', which is not a variable name "
                "(letters, digits, _; or customer.<name>/order.<name>)"
            )
        mapping.placeholders[canonical(str(placeholder))] = name
    for loc, number in (data.get("zendesk_locale_ids") or {}).items():
        try:
            key = normalize_locale(str(loc))
        except LocaleError as e:
            raise ImportInputError(f"{path}: zendesk_locale_ids: {e}") from None
        if not isinstance(number, int):
            raise ImportInputError(
                f"{path}: zendesk_locale_ids.{loc} must be a number such as 8 (from GET /api/v2/locales)"
            )
        mapping.zendesk_locale_ids[key] = number
    return mapping
