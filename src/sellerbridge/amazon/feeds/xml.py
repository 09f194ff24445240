"""The XML of Amazon's feed envelopes, written and read safely (C2, C4, B9).

- Text is escaped by the XML writer and characters XML 1.0 cannot carry at all (control characters, lone
  surrogates) are dropped, so (R), accents, CJK and emoji in a carrier or method name never break a feed.
- Reading Amazon's processing report refuses DTDs and entities (no expansion tricks), and a document that
  is not XML is an error for the caller, never a crash.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
DOCUMENT_VERSION = "1.01"


class ReportUnreadable(ValueError):
    """Amazon's processing report is not the XML the hub expects; the message says why (no content)."""


def clean(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def sub(parent: ET.Element, tag: str, text: object) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = clean(text)
    return child


def envelope(merchant_id: str, message_type: str) -> ET.Element:
    """``AmazonEnvelope`` with its ``Header`` and ``MessageType`` (amzn-envelope.xsd)."""
    root = ET.Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                         "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ET.SubElement(root, "Header")
    sub(header, "DocumentVersion", DOCUMENT_VERSION)
    sub(header, "MerchantIdentifier", merchant_id)
    sub(root, "MessageType", message_type)
    return root


def to_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")


def parse(text: str) -> ET.Element:
    if _DTD.search(text):
        raise ReportUnreadable("the processing report declares a DTD or entities; refused")
    try:
        return ET.fromstring(text.lstrip("\ufeff").strip().encode("utf-8"))
    except (ET.ParseError, ValueError, RecursionError) as exc:
        raise ReportUnreadable(f"the processing report is not XML ({type(exc).__name__})") from None


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if local(c.tag) == name]


def value(elem: ET.Element, name: str) -> str | None:
    found = children(elem, name)
    text = (found[0].text or "").strip() if found else ""
    return text or None


def descendants(elem: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in elem.iter() if local(e.tag) == name]
