"""A real Dovecot IMAP server for the mailbox tests, started in a temporary folder.

Each server has its own config, a passwd-file user, a Maildir and a
self-signed certificate, listens on 127.0.0.1 on free ports (imaps and
imap with STARTTLS) and runs in the foreground as a child process that
``stop`` ends (in a process group of its own, so ``frozen`` can stop and
resume the whole server). Where Dovecot or openssl is missing, ``unavailable``
says why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "reader", "s3cret-app-password"


def unavailable() -> str | None:
    """Why a Dovecot server cannot be started here, or None."""
    if not Path(DOVECOT).exists():
        return "dovecot is not installed (Debian: apt-get install dovecot-imapd; .ci/run does it)"
    if shutil.which("openssl") is None:
        return "openssl is not installed (needed for the server's test certificate)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="briefbot-dovecot-")))
    imaps_port: int = 0
    imap_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Dovecot:
        f = self.folder
        for name in ("run", "state", "home"):
            (f / name).mkdir(parents=True, exist_ok=True)
        f.chmod(0o755)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(f / "key.pem"), "-out", str(f / "cert.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        me = pwd.getpwuid(os.getuid())
        # Dovecot never runs mail as root: as root, the mail belongs to nobody
        owner = pwd.getpwnam("nobody") if os.getuid() == 0 else me
        home = f / "home" / USER
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, owner.pw_uid, owner.pw_gid)
        (f / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{home}::\n"
        )
        self.imaps_port, self.imap_port = _free_port(), _free_port()
        users = (
            "default_login_user = dovenull\ndefault_internal_user = dovecot\n"
            if os.getuid() == 0
            else f"default_login_user = {me.pw_name}\ndefault_internal_user = {me.pw_name}\n"
        )
        (f / "dovecot.conf").write_text(
            f"""
base_dir = {f}/run
state_dir = {f}/state
log_path = {f}/dovecot.log
protocols = imap
listen = 127.0.0.1
{users}first_valid_uid = 1
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{f}/cert.pem
ssl_key = <{f}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {f}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {f}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(f / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.imaps_port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start listening: {self.log()}")

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text() if path.exists() else ""

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The server stopped (SIGSTOP) and resumed after: it accepts connections, as the
        kernel does, and answers nothing, like a server that hangs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self) -> IMAPClient:
        """A test-side IMAP client, logged in, for putting messages in and looking at flags."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        client = IMAPClient("127.0.0.1", port=self.imaps_port, ssl=True, ssl_context=context)
        client.login(USER, PASSWORD)
        return client

    def put(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver messages to a folder, unread."""
        imap = self.client()
        try:
            for data in messages:
                imap.append(folder, data)
        finally:
            imap.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        """How many messages in the folder are not flagged \\Seen."""
        imap = self.client()
        try:
            imap.select_folder(folder)
            return len(imap.search(["UNSEEN"]))
        finally:
            imap.logout()

    @property
    def certificate(self) -> Path:
        """The server's self-signed certificate, made out to the address 127.0.0.1."""
        return self.folder / "cert.pem"

    def url(self, folder: str = "INBOX", *, starttls: bool = False, host: str = "127.0.0.1") -> str:
        if starttls:
            return f"imap://{USER}@{host}:{self.imap_port}/{folder}"
        return f"imaps://{USER}@{host}:{self.imaps_port}/{folder}"
