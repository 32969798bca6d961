"""Checkpoints: the trail's heads, written outside the database where an outsider can hold the
organisation to them.

A hash chain proves that nothing was changed *between* its ends, not that its ends are genuine:
whoever can write the database can cut its last events, or delete its first ones and forge a purge
anchor with a well-hashed ``audit.purged`` event. So desk appends heads to a *checkpoint file*,
one JSON line each, opened with ``O_APPEND`` (and a lock, so that two desks never interleave):

- ``checkpoint``: ``desk audit checkpoint`` (supervisors and admins). It first verifies the trail
  (rows included) and that the file's last line still fits it, then records an
  ``audit.checkpointed`` event and writes the head *including that event*: the published head
  says that it was published, by whom, to which file, and nothing is left after it;
- ``export``: ``desk export`` writes the head of each extract (its ``export.created`` event);
- ``purge``: ``desk purge`` writes the head after the purge *and* the anchor it made ("purged
  through seq N, whose hash was H"): a checkpoint inside a purged range is accepted only when
  the purge that removed it is in the file.

Each line names the previous line's sha256 (``prev``), so a line cut from the middle is seen.
With ``[audit] signing_key`` (an Ed25519 key made by ``desk audit keygen``) each line is signed,
over its canonical JSON without ``sig``, and carries the public key: lines cannot be forged
without the key. A file whose lines do not all parse is refused, never appended to.

``prove_trail`` holds a database to the file (``desk audit verify --checkpoints``); ``prove_extract``
holds an extract to it (``desk audit verify-extract --checkpoints``). Each says which
checkpoints it proved, which the trail contradicts (evidence of tampering), and which can no
longer be checked, and why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from desk.audit import chain
from desk.audit.actions import Action
from desk.audit.chain import Recorder
from desk.clock import Clock, as_utc, utcnow
from desk.config import DeskConfig
from desk.config.secrets import resolve
from desk.db import SessionFactory, transaction
from desk.db.tables import AuditAnchor, AuditEvent
from desk.errors import ActionRefused, ConfigError, InputError, PermissionDenied
from desk.views import StaffView

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = 1
KINDS = ("checkpoint", "export", "purge")
MAX_LINE = 4096  # a line is a few hundred bytes; anything longer was not written by desk
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_HEX = frozenset("0123456789abcdef")


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes a line's signature covers (and how a line is written): sorted, compact JSON."""
    return _CANONICAL(values).encode("utf-8")


def timestamp(at: datetime) -> str:
    """How a line writes its time: ISO 8601 in UTC."""
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a check found: a ``code`` the command line words (``cli.audit.finding.<code>``)
    and the values it names."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


# -- the lines -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a checkpoint file: a head (``seq``, ``hash``) and, for a purge, its anchor."""

    number: int  # 1-based, in the file
    kind: str
    seq: int
    hash: str
    at: str
    by: str
    organisation: str
    prev: str | None
    anchor: tuple[int, str] | None = None
    key: str | None = None
    sig: str | None = None
    raw: str = ""  # the line as written (without its newline)

    @property
    def signed(self) -> bool:
        """Whether the line carries a signature (checked by ``audit_lines``)."""
        return self.sig is not None

    def to_json(self) -> dict[str, Any]:
        """The line as written."""
        return dict(json.loads(self.raw))


def _hexdigest(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def parse_line(raw: str, number: int, where: str) -> Line:
    """One line; ``InputError`` (what, where, what to do) when it is not a checkpoint line."""

    def bad(reason: str) -> InputError:
        return InputError.from_catalog(
            "checkpoint_bad_line", path=where, line=number, reason=reason
        )

    if len(raw) > MAX_LINE:
        raise bad(f"longer than {MAX_LINE} characters")
    try:
        values = json.loads(raw)
    except ValueError as exc:
        raise bad(f"not JSON ({exc})") from None
    if not isinstance(values, dict):
        raise bad("not a JSON object")
    kind, seq = values.get("kind"), values.get("seq")
    digest: str = values.get("hash")  # type: ignore[assignment]  # checked just below
    if values.get("v") != FORMAT or kind not in KINDS:
        raise bad(f"not a desk checkpoint (v={values.get('v')!r}, kind={kind!r})")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not _hexdigest(digest):
        raise bad("'seq' must be a whole number and 'hash' 64 hex digits")
    texts: dict[str, str] = {k: values.get(k) for k in ("at", "by", "organisation")}  # type: ignore[misc]
    if not all(isinstance(v, str) for v in texts.values()):
        raise bad("'at', 'by' and 'organisation' must be text")
    prev = values.get("prev")
    if prev is not None and not _hexdigest(prev):
        raise bad("'prev' must be 64 hex digits or null")
    anchor = values.get("anchor")
    if anchor is not None:
        if not (isinstance(anchor, dict) and isinstance(anchor.get("seq"), int)) or not _hexdigest(
            anchor.get("hash")
        ):
            raise bad('\'anchor\' must be {"seq": N, "hash": 64 hex digits}')
        anchor = (anchor["seq"], anchor["hash"])
    key, sig = values.get("key"), values.get("sig")
    if (key is None) != (sig is None) or not all(
        v is None or isinstance(v, str) for v in (key, sig)
    ):
        raise bad("'key' and 'sig' go together, as text")
    return Line(
        number=number,
        kind=kind,
        seq=seq,
        hash=digest,
        at=texts["at"],
        by=texts["by"],
        organisation=texts["organisation"],
        prev=prev,
        anchor=anchor,
        key=key,
        sig=sig,
        raw=raw,
    )


def parse_text(text: str, where: str) -> list[Line]:
    """Every line of a checkpoint file's text (split on ``\\n`` only); refused whole when one
    does not parse or the last one was cut."""
    if not text:
        return []
    if not text.endswith("\n"):
        raise InputError.from_catalog(
            "checkpoint_bad_line",
            path=where,
            line=text.count("\n") + 1,
            reason="the last line is incomplete (no newline)",
        )
    return [
        parse_line(raw.removesuffix("\r"), number, where)
        for number, raw in enumerate(text.split("\n")[:-1], start=1)
    ]


def read_file(path: Path) -> list[Line]:
    """The lines of the checkpoint file ``path``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError.from_catalog("checkpoint_missing", path=str(path)) from None
    except IsADirectoryError:
        raise InputError.from_catalog(
            "checkpoint_unreadable", path=str(path), reason="a folder"
        ) from None
    except OSError as exc:
        raise InputError.from_catalog(
            "checkpoint_unreadable", path=str(path), reason=exc.strerror or str(exc)
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError.from_catalog(
            "checkpoint_bad_line", path=str(path), line=line, reason="not UTF-8 text"
        ) from None
    return parse_text(text, str(path))


def line_digest(line: Line) -> str:
    """What the next line's ``prev`` names: the sha256 of this line as written."""
    return hashlib.sha256(line.raw.encode("utf-8")).hexdigest()


# -- keys --------------------------------------------------------------------------------------------


def public_key_text(key: Ed25519PrivateKey) -> str:
    """``ed25519:<base64 of the raw public key>``: what a line carries and what to publish."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + base64.b64encode(raw).decode("ascii")


def load_signing_key(ref: str) -> Ed25519PrivateKey:
    """The Ed25519 key ``[audit] signing_key`` names (PEM, or the base64 of its 32 bytes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = resolve(ref).reveal().strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        raise ConfigError.from_catalog("checkpoint_key_unusable", ref=ref) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError.from_catalog("checkpoint_key_unusable", ref=ref)
    return key


def generate_key(path: Path) -> str:
    """Write a new Ed25519 private key to ``path`` (PEM, mode 600, never over a file) and its
    public key to ``path.pub``; the public key text."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = public_key_text(key)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ActionRefused.from_catalog("checkpoint_key_exists", path=str(path)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    pub = path.with_name(path.name + ".pub")
    pub.write_text(public + "\n", encoding="ascii")
    return public


def _verify_signature(line: Line) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if line.key is None or line.sig is None or not line.key.startswith("ed25519:"):
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(line.key.removeprefix("ed25519:"), validate=True)
        )
        values = line.to_json()
        values.pop("sig", None)
        public.verify(base64.b64decode(line.sig, validate=True), canonical(values))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def pinned_key(value: str | None) -> str | None:
    """``--public-key``: ``ed25519:...`` as given, or the first line of a ``.pub`` file."""
    if not value:
        return None
    if value.startswith("ed25519:"):
        return value.strip()
    path = Path(value).expanduser()
    try:
        return path.read_text(encoding="ascii").strip().split("\n")[0].strip()
    except (OSError, UnicodeDecodeError):
        raise InputError.from_catalog("checkpoint_public_key", value=value) from None


def audit_lines(
    lines: Sequence[Line], public_key: str | None = None
) -> tuple[list[Finding], list[Finding]]:
    """The file checked on its own: ``(findings, notes)``. Findings: a bad signature, a line that
    does not follow the previous one, a line signed by another key than ``public_key``. Notes:
    unsigned lines, and the keys that signed."""
    findings: list[Finding] = []
    notes: list[Finding] = []
    previous: Line | None = None
    keys: dict[str, list[int]] = {}
    unsigned: list[int] = []
    for line in lines:
        expected = line_digest(previous) if previous is not None else None
        if line.prev != expected:
            findings.append(Finding("line_not_chained", {"line": line.number}))
        if line.signed:
            if not _verify_signature(line):
                findings.append(Finding("line_bad_signature", {"line": line.number}))
            keys.setdefault(line.key or "", []).append(line.number)
            if public_key and line.key != public_key:
                findings.append(
                    Finding("line_other_key", {"line": line.number, "signer": line.key})
                )
        else:
            unsigned.append(line.number)
            if public_key:
                findings.append(Finding("line_unsigned_pinned", {"line": line.number}))
        previous = line
    if unsigned:
        notes.append(Finding("lines_unsigned", {"n": len(unsigned), "lines": _runs(unsigned)}))
    for key, numbers in keys.items():
        notes.append(
            Finding("lines_signed", {"signer": key, "n": len(numbers), "lines": _runs(numbers)})
        )
    return findings, notes


def _runs(numbers: Sequence[int]) -> str:
    runs: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(runs)


# -- the file, appended to -----------------------------------------------------------------------------


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # no advisory locks here (Windows): O_APPEND alone
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


@dataclass(frozen=True)
class CheckpointLog:
    """A checkpoint file, and the key that signs what desk appends to it."""

    path: Path
    signing_key: str | None = None  # a secret reference (desk.config.secrets)

    @classmethod
    def configured(cls, config: DeskConfig, path: Path | None = None) -> CheckpointLog | None:
        """``path``, else desk.toml's ``[audit] checkpoints`` (relative to desk.toml); None
        when neither names a file."""
        if path is None:
            path = config.audit.checkpoints
            if path is None:
                return None
            path = path.expanduser()
            if not path.is_absolute() and config.path is not None:
                path = config.path.parent / path
        return cls(path.expanduser(), config.audit.signing_key)

    def key(self) -> Ed25519PrivateKey | None:
        """The signing key, loaded (None when none is configured)."""
        return load_signing_key(self.signing_key) if self.signing_key else None

    def check_writable(self) -> list[Line]:
        """Refuse now what ``append`` would refuse later: a file that does not parse, a folder
        that does not exist, a key that cannot be read. The file's lines."""
        lines = read_file(self.path) if self.path.exists() else []
        if not self.path.parent.is_dir():
            raise InputError.from_catalog(
                "checkpoint_unreadable", path=str(self.path), reason="its folder does not exist"
            )
        self.key()
        return lines

    def append(
        self,
        *,
        kind: str,
        seq: int,
        digest: str,
        by: str,
        at: datetime,
        organisation: str,
        anchor: tuple[int, str] | None = None,
    ) -> Line:
        """Append one line (signed when a key is configured) after the file's last; the line."""
        key = self.key()
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o644)
        try:
            with _locked(fd):
                existing = b""
                while chunk := os.pread(fd, 1 << 20, len(existing)):
                    existing += chunk
                try:
                    lines = parse_text(existing.decode("utf-8"), str(self.path))
                except UnicodeDecodeError:
                    raise InputError.from_catalog(
                        "checkpoint_bad_line", path=str(self.path), line=1, reason="not UTF-8 text"
                    ) from None
                values: dict[str, Any] = {
                    "v": FORMAT,
                    "kind": kind,
                    "organisation": organisation,
                    "seq": seq,
                    "hash": digest,
                    "at": timestamp(at),
                    "by": by,
                    "prev": line_digest(lines[-1]) if lines else None,
                }
                if anchor is not None:
                    values["anchor"] = {"seq": anchor[0], "hash": anchor[1]}
                if key is not None:
                    values["key"] = public_key_text(key)
                    values["sig"] = base64.b64encode(key.sign(canonical(values))).decode("ascii")
                raw = canonical(values).decode("utf-8")
                data = (raw + "\n").encode("utf-8")
                written = 0
                while written < len(data):
                    written += os.write(fd, data[written:])
                os.fsync(fd)
        finally:
            os.close(fd)
        return parse_line(raw, len(lines) + 1, str(self.path))


# -- holding a trail to the file ---------------------------------------------------------------------


@dataclass(slots=True)
class Proof:
    """What holding a trail (or an extract) to a checkpoint file showed."""

    file: Path
    lines: int = 0
    proven: list[Line] = field(default_factory=list)  # the trail has the head the line names
    purged: list[Line] = field(default_factory=list)  # removed by a purge the file records
    findings: list[Finding] = field(default_factory=list)  # contradictions: tampering
    unprovable: list[Finding] = field(default_factory=list)  # can no longer be checked
    notes: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every checkpoint proven (or purged as the file records), nothing contradicted."""
        return not self.findings and not self.unprovable


def prove_trail(
    session: Session, lines: Sequence[Line], path: Path, public_key: str | None = None
) -> Proof:
    """Hold the database's trail to the checkpoint file's ``lines``.

    A line whose seq is still in the trail must name that event's hash; one at the newest
    anchor, the anchor's. A line inside a purged range is accepted only if the purge that
    removed it (the first anchor at or after it) is recorded by a ``purge`` line naming exactly
    that anchor; otherwise it can no longer be checked. Every ``purge`` line must match an
    anchor of the database, and every purge of the trail made after the file's first line must
    be in the file (a forged start comes with a purge the file does not know).
    """
    proof = Proof(path, len(lines))
    proof.findings, proof.notes = audit_lines(lines, public_key)
    anchors = {a.seq: a.hash for a in session.exec(select(AuditAnchor)).all()}
    start = max(anchors, default=0)
    head_seq, _ = chain.head(session)
    recorded = {line.anchor for line in lines if line.kind == "purge" and line.anchor is not None}
    for line in lines:
        _prove_line(session, line, anchors, start, head_seq, recorded, proof)
    for line in lines:
        if line.kind == "purge" and line.anchor and anchors.get(line.anchor[0]) != line.anchor[1]:
            proof.findings.append(
                Finding("purge_not_in_trail", {"line": line.number, "seq": line.anchor[0]})
            )
    if lines:
        first = lines[0].seq
        for seq, data in session.execute(
            sa.select(AuditEvent.seq, AuditEvent.data).where(  # type: ignore[call-overload]
                AuditEvent.action == Action.AUDIT_PURGED, AuditEvent.seq > first
            )
        ):
            named = _anchor_named(data)
            if named is not None and named not in recorded:
                proof.unprovable.append(
                    Finding("purge_unrecorded", {"seq": seq, "anchor": named[0]})
                )
    return proof


def _anchor_named(data: str) -> tuple[int, str] | None:
    try:
        anchor = json.loads(data).get("anchor")
        return (int(anchor["seq"]), str(anchor["hash"])) if anchor else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _prove_line(
    session: Session,
    line: Line,
    anchors: dict[int, str],
    start: int,
    head_seq: int,
    recorded: set[tuple[int, str]],
    proof: Proof,
) -> None:
    where = {"line": line.number, "seq": line.seq}
    if line.seq > start:
        found = session.execute(
            sa.select(AuditEvent.hash).where(AuditEvent.seq == line.seq)  # type: ignore[call-overload]
        ).scalar()
        if found is None:
            code = "checkpoint_cut" if line.seq > head_seq else "checkpoint_missing"
            proof.findings.append(Finding(code, {**where, "head": head_seq}))
        elif found != line.hash:
            proof.findings.append(Finding("checkpoint_contradicted", where))
        else:
            proof.proven.append(line)
        return
    if line.seq == start and anchors.get(start) == line.hash:
        proof.proven.append(line)  # the newest anchor keeps the hash of the last event purged
        return
    if line.seq == 0:
        proof.purged.append(line)  # an empty trail's head: nothing to hold
        return
    through = min((a for a in anchors if a >= line.seq), default=None)
    if through is None:  # cannot happen while seq <= start; kept total
        proof.findings.append(Finding("checkpoint_missing", {**where, "head": head_seq}))
    elif (through, anchors[through]) not in recorded:
        proof.unprovable.append(
            Finding("checkpoint_purge_unrecorded", {**where, "anchor": through})
        )
    elif through == line.seq and anchors[through] != line.hash:
        proof.findings.append(Finding("checkpoint_contradicted", where))
    else:
        proof.purged.append(line)


def prove_extract(
    events: dict[int, str],
    head: tuple[int, str] | None,
    lines: Sequence[Line],
    path: Path,
    public_key: str | None = None,
) -> Proof:
    """Hold an extract (its events' ``{seq: hash}`` and its head) to the checkpoint file: the head
    must be a line of the file, and any line whose seq the extract holds must name its hash."""
    proof = Proof(path, len(lines))
    proof.findings, proof.notes = audit_lines(lines, public_key)
    head_found = False
    for line in lines:
        if line.seq not in events:
            continue
        if events[line.seq] != line.hash:
            proof.findings.append(
                Finding("checkpoint_contradicted", {"line": line.number, "seq": line.seq})
            )
        else:
            proof.proven.append(line)
            head_found = head_found or (head is not None and line.seq == head[0])
    if head is not None and not head_found:
        proof.unprovable.append(Finding("head_not_in_file", {"seq": head[0], "hash": head[1]}))
    return proof


# -- the service -----------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class CheckpointService:
    """Writes checkpoints (supervisors and admins) and holds the trail to a checkpoint file."""

    read_factory: SessionFactory
    write_factory: SessionFactory
    config: DeskConfig
    actor: StaffView
    clock: Clock = utcnow

    def log(self, path: Path | None = None) -> CheckpointLog | None:
        """The checkpoint file ``path``, else the configured one (None if neither)."""
        return CheckpointLog.configured(self.config, path)

    def head(self) -> tuple[int, str]:
        """The trail's head now: (seq, hash)."""
        with self.read_factory() as session:
            return chain.head(session)

    def last_line(self) -> Line | None:
        """The configured checkpoint file's last line (None: no file, or an empty one)."""
        log = self.log()
        if log is None or not log.path.exists():
            return None
        lines = read_file(log.path)
        return lines[-1] if lines else None

    def checkpoint(self, path: Path | None = None) -> Line:
        """Verify the trail, record ``audit.checkpointed`` and append the head it makes."""
        if not self.actor.is_supervisor:
            raise PermissionDenied.from_catalog("checkpoint_forbidden")
        log = self.log(path)
        if log is None:
            raise InputError.from_catalog("checkpoint_no_file")
        lines = log.check_writable()
        key = log.key()
        with transaction(self.write_factory) as session:
            checked = chain.verify(session)
            if not checked.ok:
                where = f"seq {checked.bad_seq}: " if checked.bad_seq is not None else ""
                raise ActionRefused.from_catalog(
                    "checkpoint_chain_broken", reason=f"{where}{checked.reason}"
                )
            if lines:
                self._follows(session, lines[-1], checked, log.path)
            Recorder(self.actor.name, self.clock)(
                session,
                Action.AUDIT_CHECKPOINTED,
                file=str(log.path),
                previous={"seq": lines[-1].seq, "hash": lines[-1].hash} if lines else None,
                key=public_key_text(key) if key is not None else None,
            )
            seq, digest = chain.head(session)
        return log.append(
            kind="checkpoint",
            seq=seq,
            digest=digest,
            by=self.actor.name,
            at=self.clock(),
            organisation=self.config.desk.organisation,
        )

    @staticmethod
    def _follows(session: Session, last: Line, checked: chain.VerifyResult, path: Path) -> None:
        """Refuse to append to a file whose last head this trail does not have."""
        if last.seq > checked.head_seq:
            raise ActionRefused.from_catalog(
                "checkpoint_behind",
                path=str(path),
                line=last.number,
                seq=last.seq,
                head=checked.head_seq,
            )
        if last.seq > checked.start_seq:
            found = session.execute(
                sa.select(AuditEvent.hash).where(AuditEvent.seq == last.seq)  # type: ignore[call-overload]
            ).scalar()
            if found != last.hash:
                raise ActionRefused.from_catalog(
                    "checkpoint_contradicted", path=str(path), line=last.number, seq=last.seq
                )

    def prove(self, path: Path | None = None, public_key: str | None = None) -> Proof | None:
        """Hold the trail to the checkpoint file ``path`` (else the configured one, if it
        exists); None when there is no file to hold it to."""
        log = self.log(path)
        if log is None or (path is None and not log.path.exists()):
            return None
        lines = read_file(log.path)
        with self.read_factory() as session:
            return prove_trail(session, lines, log.path, pinned_key(public_key))
