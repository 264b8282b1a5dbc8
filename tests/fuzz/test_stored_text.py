"""Free text that the counter accepts is kept clean: names, kana, districts, staff
names and closure reasons are stored without control characters or bidirectional
overrides and without spaces around them, or refused with a message when nothing is
left. The rest of each form is valid here, so the text is what is tested."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from . import strategies as s
from .harness import assert_stored_text_clean, check_answer, snapshot

messy = st.one_of(
    st.tuples(s.control, s.any_text, s.control, s.rtl, st.sampled_from(["", " ", "\u3000"])).map(
        "".join
    ),
    s.any_text,
    s.control,
    s.emoji,
    s.long_text,
)


@s.fuzz
@given(name=messy, kana=messy, district=messy, locale=st.sampled_from(["ja", "en"]))
def test_a_registered_residents_text_is_stored_clean(admin, name, kana, district, locale):
    admin.speak(locale)
    before = snapshot()
    response = admin.post(
        "/counter/residents/new",
        [
            ("name", name),
            ("name_kana", kana),
            ("district", district),
            ("is_resident", "yes"),
            ("confirm_different", "y"),
        ],
    )
    check_answer(response, before, locale, f"register {name!r} {kana!r}", always_rejected=False)
    assert_stored_text_clean(f"register {name!r} {kana!r} {district!r}")


@s.fuzz
@given(reason=messy, reason_en=messy, display_name=messy)
def test_a_closure_and_a_staff_accounts_text_are_stored_clean(
    admin, reason, reason_en, display_name
):
    before = snapshot()
    response = admin.post(
        "/counter/closures",
        [
            ("facility", ""),
            ("start", "2027-03-01"),
            ("end", "2027-03-01"),
            ("reason", reason),
            ("reason_en", reason_en),
            ("action", "commit"),
        ],
    )
    check_answer(response, before, "ja", f"closure {reason!r}", always_rejected=False)
    before = snapshot()
    response = admin.post(
        "/counter/staff",
        [
            ("username", f"u{abs(hash(display_name))}"),
            ("display_name", display_name),
            ("role", "clerk"),
            ("password", "long-enough-password"),
        ],
    )
    check_answer(response, before, "ja", f"staff {display_name!r}", always_rejected=False)
    assert_stored_text_clean(f"closure {reason!r} / staff {display_name!r}")
