"""What a Mosquitto broker needs to take qingkong telemetry: a password file (PBKDF2-SHA512,
the ``$7$`` format of ``mosquitto_passwd``), an ACL that lets each operator publish only under
``qingkong/v1/telemetry/<operator>/`` and the service read everything there, and a config
that uses both.

Examples
--------
>>> print(acl_text("qingkong"))
# qingkong telemetry: operators publish under their own prefix only.
user qingkong
topic read qingkong/v1/telemetry/#
topic read qingkong/v1/surveillance/#
<BLANKLINE>
pattern write qingkong/v1/telemetry/%u/#
pattern write qingkong/v1/surveillance/%u
<BLANKLINE>
>>> check_password(hash_password("s3cret"), "s3cret")
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

ITERATIONS = 101  # mosquitto_passwd's default
SERVICE_USER = "qingkong"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A ``mosquitto_passwd`` entry hash: ``$7$iterations$salt$hash`` (base64)."""
    salt = salt or secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    b64 = base64.b64encode
    return f"$7${ITERATIONS}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(entry: str, password: str) -> bool:
    """Whether ``password`` matches a mosquitto password-file entry (PBKDF2-SHA512)."""
    _, kind, iterations, salt, digest = entry.split("$")
    if kind != "7":
        return False
    got = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(got, base64.b64decode(digest))


def acl_text(service_user: str = SERVICE_USER) -> str:
    """The broker's ACL: the service reads everything, operators publish under their prefix."""
    return (
        "# qingkong telemetry: operators publish under their own prefix only.\n"
        f"user {service_user}\n"
        "topic read qingkong/v1/telemetry/#\n"
        "topic read qingkong/v1/surveillance/#\n\n"
        "pattern write qingkong/v1/telemetry/%u/#\n"
        "pattern write qingkong/v1/surveillance/%u\n"
    )


def config_text(directory: Path, *, port: int, bind: str = "127.0.0.1") -> str:
    """A minimal ``mosquitto.conf`` using the files of :func:`write_files` in ``directory``."""
    return (
        f"listener {port} {bind}\n"
        "allow_anonymous false\n"
        f"password_file {directory / 'passwd'}\n"
        f"acl_file {directory / 'acl'}\n"
        "persistence false\n"
        "max_queued_messages 100000\n"
    )


def read_passwd(path: Path) -> dict[str, str]:
    """The logins of a mosquitto password file (``user -> entry``)."""
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if ":" in line and not line.startswith("#"):
                user, entry = line.split(":", 1)
                out[user] = entry
    return out


def write_files(
    directory: Path,
    operators: list[str],
    *,
    service_user: str = SERVICE_USER,
    keep: bool = True,
    port: int = 1883,
) -> dict[str, str]:
    """Write ``passwd``, ``acl`` and ``mosquitto.conf`` into ``directory``.

    Every operator (and the service user) gets a fresh random password unless ``keep`` and
    the password file already has them. Returns the new plain passwords (shown once).
    """
    directory.mkdir(parents=True, exist_ok=True)
    existing = read_passwd(directory / "passwd") if keep else {}
    entries, fresh = {}, {}
    for user in [service_user, *sorted(set(operators))]:
        if user in existing:
            entries[user] = existing[user]
            continue
        password = secrets.token_urlsafe(18)
        fresh[user] = password
        entries[user] = hash_password(password)
    passwd = directory / "passwd"
    passwd.write_text("".join(f"{u}:{e}\n" for u, e in entries.items()))
    passwd.chmod(0o600)
    (directory / "acl").write_text(acl_text(service_user))
    (directory / "mosquitto.conf").write_text(config_text(directory.resolve(), port=port))
    return fresh
