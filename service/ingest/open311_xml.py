"""Read an Open311 GeoReport v2 XML answer (``requests.xml``), the spec's required format, as records.

``<service_requests><request>…</request></service_requests>``: one record per ``request``, one field per child
element (text; an empty element is a missing value). Parsed with defusedxml: a file with a DTD or entities is
refused rather than expanded. A services list (``services.xml``) or an error answer is refused with what it is.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as parse_xml

from service.errors import InputFileError

_HINT = "Utilisez la réponse de GET requests.xml (ou requests.json) d'un serveur GeoReport v2."


def looks_like_xml(head: bytes) -> bool:
    """Whether the first bytes of a file open an XML document."""
    return head.lstrip(b"\xef\xbb\xbf").lstrip()[:1] == b"<"


def read_requests(path: Path) -> list[dict[str, str | None]]:
    """The requests of ``path`` as records (field → text)."""
    try:
        root = parse_xml(str(path)).getroot()
    except ParseError as exc:
        line, column = exc.position
        raise InputFileError(
            f"{path.name} : XML invalide à la ligne {line}, colonne {column + 1}.",
            hint="Vérifiez que le fichier est complet (pas tronqué) et bien au format XML.",
        ) from exc
    except DefusedXmlException as exc:
        raise InputFileError(
            f"{path.name} : XML refusé (déclaration DTD ou entités, interdites pour la sécurité).",
            hint="Exportez la réponse brute du serveur GeoReport v2, sans DTD.",
        ) from exc
    tag = _name(root)
    if tag == "services":
        raise InputFileError(
            f"{path.name} : c'est une liste de services (services.xml), pas de demandes à importer.", hint=_HINT
        )
    if tag == "errors":
        messages = [(_text(e.find("description")) or "?") for e in root]
        raise InputFileError(f"{path.name} : réponse d'erreur du serveur Open311 ({'; '.join(messages)}).", hint=_HINT)
    if tag not in {"service_requests", "requests"}:
        raise InputFileError(f"{path.name} : XML inattendu (élément racine <{tag}>).", hint=_HINT)
    return [{_name(field): _text(field) for field in request} for request in root if _name(request) == "request"]


def _name(element: Element) -> str:
    """The element's name without a namespace."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None
