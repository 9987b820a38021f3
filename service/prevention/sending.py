"""A network's digest sent to its coordinator by e-mail: the digest as the message (HTML, with a plain-text
opening for mail readers that show no HTML) and its PDF attached, the one a coordinator prints for the
neighbours. The coordinator's address is personal data: it is read for this purpose only, and the read is written
to the access log with that reason (:func:`service.db.personal.network_coordinator`).
"""

from __future__ import annotations

import base64
import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

import psycopg

from service.db.personal import network_coordinator
from service.errors import InvalidValueError
from service.mail import check_mail_settings, send_mail
from service.prevention.digest import Digest
from service.prevention.render import digest_stem
from service.settings import Settings

#: An image written into the page (the digest's map), as the HTML digest carries it.
_DATA_IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
#: Why the coordinator's address is read, as the access log says it.
REASON = "envoi du bilan par e-mail"


def digest_message(digest: Digest, *, html: str, pdf: bytes, to: str, sender: str) -> EmailMessage:
    """The e-mail of ``digest``: its title as subject, its opening as text, the page as HTML, the PDF attached."""
    message = EmailMessage()
    message["Subject"] = digest.title
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    name = parseaddr(sender)[0] or "Le service Environnement"
    pdf_name = f"{digest_stem(digest)}.pdf"
    message.set_content(
        f"{digest.title}\n\n{digest.summary()}\n\nLe bilan complet, avec sa carte, est joint en PDF "
        f"({pdf_name}) : à imprimer ou à transmettre aux habitants du réseau.\n\n{name}\n"
    )
    # the page's map travels as an inline image of the message: many mail readers hide an image written into
    # the page itself (a data: address), and the coordinator would get the digest without its map
    images: list[tuple[str, bytes]] = []  # (content id, PNG) of each image taken out of the page

    def inline(found: re.Match[str]) -> str:
        cid = make_msgid(domain="hotspots")
        images.append((cid, base64.b64decode(found.group(1))))
        return f'src="cid:{cid[1:-1]}"'

    message.add_alternative(_DATA_IMAGE.sub(inline, html), subtype="html")
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    for cid, png in images:
        part.add_related(png, maintype="image", subtype="png", cid=cid, disposition="inline", filename="carte.png")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return message


def coordinator_address(conn: psycopg.Connection[Any], digest: Digest, *, actor: str) -> str:
    """The e-mail of the coordinator of the digest's network; a French refusal for a section (no coordinator) or a
    network without one. The read is logged and committed at once: the access log keeps it even if the mail server
    then refuses the message."""
    if digest.scope.kind != "reseau" or digest.scope.network_id is None:
        raise InvalidValueError(
            f"la section {digest.scope.name} n'a pas de coordinateur à qui envoyer le bilan",
            hint="Envoyez le bilan d'un réseau (--reseau), ou écrivez celui de la section en fichiers sans --envoyer.",
        )
    contact = network_coordinator(conn, digest.scope.network_id, actor=actor, reason=REASON)
    conn.commit()
    email = (contact or {}).get("email") or ""
    if "@" not in parseaddr(email)[1]:
        raise InvalidValueError(
            f"le réseau « {digest.scope.name} » n'a pas d'e-mail de coordinateur",
            hint=f'Enregistrez-le : hotspots reseaux coordonnees "{digest.scope.name}" --email ADRESSE.',
        )
    return str(email)


def send_digest(settings: Settings, digest: Digest, *, to: str, html: str, pdf: bytes) -> None:
    """Send ``digest`` to ``to`` (:func:`coordinator_address`), the PDF named as the command writes it. Nothing is
    recorded here: the caller notes the digest as sent only once this has returned (a refusal leaves the next
    digest's changes as they were)."""
    sender = check_mail_settings(settings)
    send_mail(settings, digest_message(digest, html=html, pdf=pdf, to=to, sender=sender))
