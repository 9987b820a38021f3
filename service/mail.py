"""E-mail out of the service: a message handed to the mail server of the settings (``HOTSPOTS_SMTP_*``).

The service sends little — a neighbourhood network's digest to its coordinator — but what it sends must either
reach the server or say why not, in French, before anything is noted as sent. The standard library's
``smtplib`` does the talking (STARTTLS on 587 by default, implicit TLS on 465, plain only when asked).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from service.errors import ConfigError, DeliveryError
from service.settings import Settings

#: How long the server may take to answer each step.
TIMEOUT_S = 30.0


def check_mail_settings(settings: Settings) -> str:
    """The sender, once the settings allow sending; else the settings to give, named."""
    if not settings.smtp_host or not settings.smtp_sender:
        missing = [name for name, value in (("HOTSPOTS_SMTP_HOST", settings.smtp_host),
                                            ("HOTSPOTS_SMTP_SENDER", settings.smtp_sender)) if not value]  # fmt: skip
        raise ConfigError(
            f"envoi des e-mails non réglé : {' et '.join(missing)} manquant{'s' if len(missing) > 1 else ''}",
            hint="Donnez le serveur d'envoi de la commune et l'expéditeur (HOTSPOTS_SMTP_HOST, HOTSPOTS_SMTP_SENDER, "
            "et s'il le faut HOTSPOTS_SMTP_USER et HOTSPOTS_SMTP_PASSWORD), ou écrivez le bilan en fichiers sans "
            "--envoyer.",
        )
    return settings.smtp_sender


def send_mail(settings: Settings, message: EmailMessage) -> None:
    """Hand ``message`` to the mail server; DeliveryError (in French, the server and its answer named) when it is
    out of reach or refuses it."""
    check_mail_settings(settings)
    host, port = str(settings.smtp_host), settings.smtp_port
    where = f"{host}:{port}"
    try:
        if settings.smtp_security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                server.login(settings.smtp_user, password)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"le serveur d'envoi {where} refuse l'identifiant ou le mot de passe ({_said(exc)})",
            hint="Vérifiez HOTSPOTS_SMTP_USER et HOTSPOTS_SMTP_PASSWORD.",
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise DeliveryError(
            f"le serveur d'envoi {where} refuse le destinataire {refused}",
            hint="Vérifiez l'adresse (hotspots reseaux coordonnees RESEAU --email …).",
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(
            f"le serveur d'envoi {where} ne propose pas STARTTLS",
            hint="HOTSPOTS_SMTP_SECURITY=ssl (port 465) si le serveur chiffre d'emblée ; « aucune » seulement sur un "
            "réseau de confiance.",
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"le serveur d'envoi {where} refuse le message ({_said(exc)})") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"serveur d'envoi {where} injoignable : {exc}",
            hint="Vérifiez HOTSPOTS_SMTP_HOST et HOTSPOTS_SMTP_PORT, ou réessayez dans un moment.",
        ) from None


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}".strip()
