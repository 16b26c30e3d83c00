"""Parsing untrusted XML (CAMT, OFX 2.x) through defusedxml, with errors a user can act on."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden, NotSupportedError

from paksa_desktop.banking.formats.common import StatementFileError


def parse_xml(data: bytes | str, source: str) -> Element:
    """The document's root; entity declarations (XML bombs) and external references are refused.

    A DTD without entities is allowed (some OFX 2 files carry one); bank statements never need
    entities, so any declaration is treated as hostile rather than expanded.
    """
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        raise StatementFileError.at(
            source,
            0,
            "XML",
            f"the file declares the XML entity {exc.name!r}; entity declarations are refused "
            "(they are how 'XML bomb' and external-file attacks work) and bank statements never need them",
        ) from exc
    except ExternalReferenceForbidden as exc:
        raise StatementFileError.at(
            source, 0, "XML", f"the file refers to an external resource ({exc.sysid or exc.pubid}); refused"
        ) from exc
    except (DTDForbidden, NotSupportedError) as exc:  # pragma: no cover - forbid_dtd is off
        raise StatementFileError.at(source, 0, "XML", f"refused: {exc}") from exc
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        hint = " (the file is cut short)" if "no element found" in reason or "unclosed token" in reason else ""
        raise StatementFileError.at(source, line, "XML", f"column {column + 1}: {reason}{hint}") from exc
    except ValueError as exc:  # e.g. an encoding declaration Python does not know
        raise StatementFileError.at(source, 0, "XML", str(exc)) from exc


def namespace(tag: str) -> str:
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
