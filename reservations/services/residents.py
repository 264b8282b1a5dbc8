"""Residents: registering, finding, PINs and signing in."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from ..db import db, write_transaction
from ..errors import (
    InputProblem,
    InvalidInput,
    NotFound,
    PossibleDuplicate,
)
from ..models import EXEMPTION_EVIDENCE, MESSAGE_LANGUAGES, ExemptionCategory, Resident
from ..text import (
    clean_text,
    column_text,
    digits_only,
    fitted_key,
    kana_text,
    normalize_phone,
    search_key,
)
from . import attempts, audit, credentials, sessions
from .actors import Actor, require_acting_for, require_aware, require_staff
from .numbers import REGISTRATION_NUMBER_LENGTH, checked_pin, new_unique_number


def resident_snapshot(resident: Resident) -> dict[str, Any]:
    """What the audit trail keeps of a resident: no PIN, no hash."""
    return {
        "registration_no": resident.registration_no,
        "name": resident.name,
        "name_kana": resident.name_kana,
        "phone": resident.phone_e164,
        "district": resident.district,
        "is_resident": resident.is_resident,
        "exemption": resident.exemption.code if resident.exemption else None,
        "exemption_evidence": resident.exemption_evidence,
        "exemption_valid_until": (
            resident.exemption_valid_until.isoformat() if resident.exemption_valid_until else None
        ),
        "locked": resident.locked_at is not None,
        "preferred_language": resident.preferred_language,
    }


_NUMERIC_QUERY = re.compile(r"[0-9\s()+\-‐－ー]+")
# Longer than any name, kana or number: matches nothing (and SQLite refuses a LIKE
# pattern over 50,000 bytes).
SEARCH_MAX_LENGTH = 100


def find_residents(query: str, *, limit: int = 20) -> list[Resident]:
    """Search by registration number, phone number in any common format, name or kana,
    tolerant of full/half width, hiragana/katakana and spaces."""
    query = clean_text(query)  # no NUL: PostgreSQL refuses it in text
    if not query or len(query) > SEARCH_MAX_LENGTH:
        return []
    conditions = []
    digits = digits_only(query)
    if digits and _NUMERIC_QUERY.fullmatch(unicodedata.normalize("NFKC", query)):
        conditions.append(Resident.registration_no == digits)
        try:
            phone, _ = normalize_phone(query)
            conditions.append(Resident.phone_e164 == phone)
        except InvalidInput:
            pass
    key = search_key(query)
    if key:
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(Resident.name_key.like(pattern, escape="\\"))
        conditions.append(Resident.kana_key.like(pattern, escape="\\"))
    return list(
        db.session.scalars(
            select(Resident)
            .where(or_(*conditions))
            .order_by(Resident.kana_key, Resident.id)
            .limit(limit)
        )
    )


def residents_with_phone(phone: str) -> list[Resident]:
    """Residents registered with this number (caller ID: a hint, never proof)."""
    try:
        e164, _ = normalize_phone(phone)
    except InvalidInput:
        return []
    return list(db.session.scalars(select(Resident).where(Resident.phone_e164 == e164)))


def possible_duplicates(name: str, kana: str, phone: str | None) -> list[Resident]:
    """Residents with the same phone, or the same name and kana."""
    conditions = [
        (Resident.name_key == fitted_key(Resident.name_key, name))
        & (Resident.kana_key == fitted_key(Resident.kana_key, kana))
    ]
    if phone:
        try:
            conditions.append(Resident.phone_e164 == normalize_phone(phone)[0])
        except InvalidInput:
            pass
    return list(db.session.scalars(select(Resident).where(or_(*conditions))))


def list_exemptions() -> list[ExemptionCategory]:
    return list(
        db.session.scalars(
            select(ExemptionCategory).order_by(ExemptionCategory.position, ExemptionCategory.id)
        )
    )


def get_resident(resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(what="resident", id=resident_id)
    return resident


def resident_or_none(resident_id: int | None) -> Resident | None:
    """The resident, or None when no id is given (NotFound for an unknown one)."""
    return get_resident(resident_id) if resident_id is not None else None


def locked_resident(resident_id: int) -> Resident:
    """The resident's row, locked for this transaction on PostgreSQL (SQLite's write
    lock already serialises writers), so that two bookings at once cannot both slip
    under the per-resident limit."""
    resident = db.session.scalar(
        select(Resident).where(Resident.id == resident_id).with_for_update()
    )
    if resident is None:
        raise NotFound(what="resident", id=resident_id)
    return resident


def check_evidence(actor: Actor, evidence: str | None) -> None:
    """Staff granting an exemption record the kind of document they saw (one of
    EXEMPTION_EVIDENCE); the command line may leave it out (imported records)."""
    if actor.staff_id is None:
        return
    evidence = clean_text(evidence)
    if not evidence:
        raise InvalidInput(field="exemption_evidence", problem=InputProblem.REQUIRED)
    if evidence not in EXEMPTION_EVIDENCE:
        raise InvalidInput(field="exemption_evidence", problem=InputProblem.UNKNOWN)


def register_resident(
    actor: Actor,
    *,
    name: str,
    name_kana: str,
    phone: str | None,
    district: str,
    is_resident: bool,
    now: datetime,
    exemption_code: str | None = None,
    exemption_evidence: str | None = None,
    exemption_valid_until: date | None = None,
    pin: str | None = None,
    allow_duplicate: bool = False,
) -> tuple[Resident, str]:
    """Register a resident; returns the resident and the PIN (chosen or issued), which
    is shown once on the registration slip and never stored in clear.

    `exemption_valid_until` is the last day the document seen for the exemption holds
    (None: no end). Raises PossibleDuplicate when the phone or name+kana is already registered,
    unless staff confirmed it is a different person (`allow_duplicate`).
    """
    require_aware(now)
    name = column_text(Resident.name, "name", name, required=True)
    name_kana = kana_text(Resident.name_kana, "name_kana", name_kana)
    district = column_text(Resident.district, "district", district)
    phone_e164, is_mobile = normalize_phone(phone) if phone and phone.strip() else (None, False)
    pin = checked_pin(pin)
    with write_transaction():
        require_staff(actor)
        exemption = None
        if exemption_code:
            exemption = db.session.scalar(
                select(ExemptionCategory).where(ExemptionCategory.code == exemption_code)
            )
            if exemption is None:
                raise InvalidInput(field="exemption", problem=InputProblem.UNKNOWN)
            check_evidence(actor, exemption_evidence)
        if not allow_duplicate:
            matches = possible_duplicates(name, name_kana, phone_e164)
            if matches:
                raise PossibleDuplicate(matches=[r.registration_no for r in matches])
        resident = Resident(
            registration_no=new_unique_number(Resident.registration_no, REGISTRATION_NUMBER_LENGTH),
            name=name,
            name_kana=name_kana,
            name_key=fitted_key(Resident.name_key, name),
            kana_key=fitted_key(Resident.kana_key, name_kana),
            phone_e164=phone_e164,
            phone_is_mobile=is_mobile,
            district=district,
            is_resident=is_resident,
            exemption=exemption,
            exemption_evidence=(
                column_text(Resident.exemption_evidence, "exemption_evidence", exemption_evidence)
                or None
            )
            if exemption
            else None,
            exemption_valid_until=exemption_valid_until if exemption else None,
            pin_hash=credentials.hash_secret(pin),
            failed_pin_attempts=0,
            created_at=now,
        )
        db.session.add(resident)
        db.session.flush()
        audit.record(
            actor,
            now,
            "resident.register",
            f"resident:{resident.registration_no}",
            after=resident_snapshot(resident),
            resident_id=resident.id,
        )
    return resident, pin


def set_pin(actor: Actor, *, resident_id: int, now: datetime, pin: str | None = None) -> str:
    """Set (resident) or reset (staff) a PIN; a reset also unlocks and lifts a stop by
    staff (sign_in_stops), and every session of the resident ends. Returns the PIN."""
    require_aware(now)
    pin = checked_pin(pin)
    with write_transaction():
        require_acting_for(actor, resident_id)
        resident = locked_resident(resident_id)
        before = resident_snapshot(resident)
        credentials.set_secret(resident, credentials.pin(), pin)
        attempts.forget_account(_sign_in_name(resident.registration_no))
        ended = credentials.lift_stop(resident, _sign_in_name(resident.registration_no))
        ended |= sessions.end_all(resident, sessions.SessionEnd.PIN_SET)
        audit.record(
            actor,
            now,
            "resident.pin_set",
            f"resident:{resident.registration_no}",
            before=before,
            after=resident_snapshot(resident) | ended,
            resident_id=resident.id,
        )
    return pin


def set_preferred_language(
    actor: Actor, *, resident_id: int, language: str, now: datetime
) -> Resident:
    """The language of a resident's SMS and calls (MESSAGE_LANGUAGES): set by the
    resident themself on the web, or by staff at the counter. Messages already in the
    outbox keep the language they were written for."""
    require_aware(now)
    if language not in MESSAGE_LANGUAGES:
        raise InvalidInput(field="language", problem=InputProblem.UNKNOWN)
    with write_transaction():
        require_acting_for(actor, resident_id)
        resident = locked_resident(resident_id)
        if resident.preferred_language == language:
            return resident
        before = resident_snapshot(resident)
        resident.preferred_language = language
        audit.record(
            actor,
            now,
            "resident.language",
            f"resident:{resident.registration_no}",
            before=before,
            after=resident_snapshot(resident),
            resident_id=resident.id,
        )
    return resident


def unlock_resident(actor: Actor, *, resident_id: int, now: datetime) -> Resident:
    require_aware(now)
    with write_transaction():
        require_staff(actor)
        resident = locked_resident(resident_id)
        before = resident_snapshot(resident)
        credentials.clear_lock(resident, credentials.pin())
        attempts.forget_account(_sign_in_name(resident.registration_no))
        audit.record(
            actor,
            now,
            "resident.unlock",
            f"resident:{resident.registration_no}",
            before=before,
            after=resident_snapshot(resident),
            resident_id=resident.id,
        )
    return resident


def _sign_in_name(registration_no: str) -> str:
    return attempts.account_key("resident", registration_no)


def verify_pin(
    channel: str,
    *,
    pin: str,
    now: datetime,
    registration_no: str | None = None,
    resident_id: int | None = None,
    source: str | None = None,
) -> Resident:
    """Sign a resident in by registration number (or a resident id the channel already
    holds, e.g. from caller ID) and PIN, from `source` (where the attempt comes from:
    "web:<address>", "phone:from:<number>", ...; the channel's name when None).

    A resident whose sign-in staff stopped is answered as a number nobody holds.
    Wrong numbers and wrong PINs raise the same InvalidCredentials (with
    attempts_left=1 just before the source must wait); a source that gave
    `pin_max_failures` wrong PINs in a row for the number waits (TooManyAttempts), and
    only that source: see `credentials.sign_in`.
    """
    require_aware(now)
    with write_transaction():
        resident = None
        name = ""
        if resident_id is not None:
            resident = db.session.get(Resident, resident_id)
            name = resident.registration_no if resident is not None else f"#{resident_id}"
        elif registration_no is not None:
            name = digits_only(registration_no)
            if name:
                resident = db.session.scalar(
                    select(Resident).where(Resident.registration_no == name)
                )
        checked = credentials.sign_in(
            None if resident is None or resident.sign_in_stopped_at else resident,
            _sign_in_name(name),
            credentials.pin(),
            pin,
            source=source or channel,
            now=now,
        )
        if checked.verified:
            return resident
        if checked.locked_now:
            audit.record(
                Actor(channel=channel),
                now,
                "resident.locked",
                f"resident:{resident.registration_no}",
                after={"failed_attempts": checked.failed_attempts},
                resident_id=resident.id,
            )
    raise checked.refusal
