"""Parsing untrusted XML (CAMT, OFX 2.x) safely and fast, with errors a user can act on.

defusedxml's ElementTree parser is the pure-Python one (it needs to hook expat's handlers), about ten
times slower than the C parser: 15 s for a 50,000-entry camt.053 on a busy machine. So the hardening
is done the way defusedxml does it, once, on the document's prolog: expat reads up to the root
element with handlers that raise defusedxml's own exceptions on any entity declaration, unparsed
entity or external reference. Entities and a DTD can only be declared before the root element, so a
document that passes has nothing to expand; the C parser then builds the tree (and, never given an
external-entity handler, fetches nothing: an undeclared `&name;` is a plain parse error).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError, XMLParser
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden, NotSupportedError

from paksa_desktop.banking.formats.common import StatementFileError


class _RootReached(Exception):
    """The prolog is over: nothing dangerous was declared before the root element."""


def _check_prolog(data: bytes) -> None:
    """Raise defusedxml's exception for an entity declaration or external reference in the prolog."""
    parser = expat.ParserCreate()

    def entity(name: str, is_param: int, value: str | None, base: str, sysid: str, pubid: str, notation: str) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    def unparsed(name: str, base: str, sysid: str, pubid: str, notation: str) -> None:
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation)

    def external(context: str, base: str, sysid: str, pubid: str) -> None:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    def root(name: str, attrs: object) -> None:
        raise _RootReached

    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = unparsed
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = root
    try:
        parser.Parse(data, True)
    except _RootReached:
        return
    except expat.ExpatError:
        return  # a malformed document: the real parse below reports it with its position


def parse_xml(data: bytes, source: str) -> Element:
    """The document's root; entity declarations (XML bombs) and external references are refused.

    A DTD without entities is allowed (some OFX 2 files carry one); bank statements never need
    entities, so any declaration is treated as hostile rather than expanded.
    """
    try:
        _check_prolog(data)
        parser = XMLParser()
        parser.feed(data)
        return parser.close()
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
    except (DTDForbidden, NotSupportedError) as exc:  # pragma: no cover - DTDs without entities are allowed
        raise StatementFileError.at(source, 0, "XML", f"refused: {exc}") from exc
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        hint = " (the file is cut short)" if "no element found" in reason or "unclosed token" in reason else ""
        if "invalid token" in reason and _declares_utf8(data) and not _is_utf8(data):
            hint = " (the file says it is UTF-8 but is in another encoding; save it as UTF-8)"
        raise StatementFileError.at(source, line, "XML", f"column {column + 1}: {reason}{hint}") from exc
    except ValueError as exc:  # e.g. an encoding declaration Python does not know
        raise StatementFileError.at(source, 0, "XML", str(exc)) from exc


def _declares_utf8(data: bytes) -> bool:
    """Whether the XML declaration names UTF-8 or no encoding (which means UTF-8)."""
    m = re.match(rb"\s*<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)", data[:200])
    return m is None or m.group(1).lower() in (b"utf-8", b"utf8")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def namespace(tag: str) -> str:
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
