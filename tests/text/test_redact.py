"""Redaction of concern words for exports (caresignal.text.redact; docs/concerns.md, "Exports").

The telephone numbers are from Ofcom's ranges reserved for drama and examples (07700 900000 to
900999, 01632 960000 to 960999, 020 7946 0000 to 0999), the NHS number 943 476 5919 is the
example NHS Digital publishes, whose check digit is right, and the addresses are made up.
"""

from __future__ import annotations

import pytest

from caresignal.text.redact import GIVEN_NAMES, redact


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "0770 090 0123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "01632 960001",
        "(01632) 960001",
        "01632960001",
        "020 7946 0018",
        "02079460018",
        "0113 496 0000",
        "0800 123 4567",
        "0300 123 1234",
    ],
)
def test_uk_telephone_numbers_are_removed(number: str) -> None:
    assert redact(f"Ring me on {number}, please.") == "Ring me on [phone], please."


def test_numbers_in_other_scripts_and_spacing_are_folded_first() -> None:
    # Full-width digits and plus sign, a non-breaking space, a narrow no-break space, and an
    # en dash between groups: the text keeps its own characters everywhere else.
    assert redact("Tél ０７７００ ９００１２３ ok") == "Tél [phone] ok"
    assert redact("＋４４ ７７００ ９００１２３") == "[phone]"
    assert redact("07700\u00a0900123 and 07700\u202f900\u2013123") == "[phone] and [phone]"
    assert redact("٠٧٧٠٠٩٠٠١٢٣") == "[phone]"  # Arabic-Indic digits


@pytest.mark.parametrize(
    "address",
    ["sarah.jones@example.org", "a+b@nhs.net", "o'neil@example.co.uk", "józef@przykład.pl",
     "SARAH@EXAMPLE.ORG"],
)  # fmt: skip
def test_email_addresses_are_removed(address: str) -> None:
    assert redact(f"Write to {address}.") == "Write to [email]."


def test_a_full_width_at_sign_is_still_an_email() -> None:
    assert redact("jo＠example.org") == "[email]"


def test_nhs_numbers_with_a_valid_check_digit_are_removed() -> None:
    assert redact("NHS number 943 476 5919.") == "NHS number [NHS number]."
    assert redact("NHS no 9434765919") == "NHS no [NHS number]"
    # The same digits with a wrong check digit: not an NHS number, left alone.
    assert redact("order 943 476 5918") == "order 943 476 5918"


def test_postcodes_in_capitals_are_removed() -> None:
    assert redact("We live at CT1 3NG and M1 1AE.") == "We live at [postcode] and [postcode]."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr Patel said no.", "Dr [name] said no."),
        ("Dr. J. Smith said no.", "Dr. [name] said no."),
        ("Mrs SMITH was rude.", "Mrs [name] was rude."),
        ("Nurse O'Brien's shift ended.", "Nurse [name]'s shift ended."),
        ("the nurse Kelly ignored us", "the nurse [name] ignored us"),
        ("Sister Agnes Mary came.", "Sister [name] came."),
        ("Ms Nguyễn Thị Lan", "Ms [name]"),
        ("Prof Ødegård and Miss Zoë Brontë", "Prof [name] and Miss [name]"),
        ("Professor Ali looked.", "Professor [name] looked."),
    ],
)
def test_names_after_titles_are_removed_and_the_title_kept(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my son Tyrone was left alone", "my son [name] was left alone"),
        ("Our mum, Bronwen Pryce, fell.", "Our mum, [name], fell."),
        ("an assistant called Kasia helped", "an assistant called [name] helped"),
        ("My name is Dwayne Okafor and", "My name is [name] and"),
        ("Dear Imogen,", "Dear [name],"),
        ("Kind regards,\nBartholomew Quayle", "Kind regards,\n[name]"),
        ("Thanks\n\n  Ngozi", "Thanks\n\n  [name]"),
    ],
)  # fmt: skip
def test_names_after_cues_are_removed(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_common_given_names_are_removed_with_the_surname() -> None:
    assert redact("Then Sarah Jones came in.") == "Then [name] came in."
    assert redact("Jack was crying; Olivia's dad was there.") == (
        "[name] was crying; [name]'s dad was there."
    )
    assert {"Sarah", "Mohammed", "Margaret"} <= GIVEN_NAMES
    assert not {"May", "Will", "Rose", "Amber", "Grace", "Mark"} & GIVEN_NAMES


def test_the_persons_own_details_are_removed_wherever_they_are() -> None:
    text = (
        "I am zebedee Quartermain. Zebedee's number is 7700 900 123 and I live at "
        "12 Church Lane, Canterbury; write to ZQ@example.org or to quartermain."
    )
    found = redact(
        text,
        names=["Zebedee Quartermain"],
        emails=["zq@example.org"],
        phones=["07700 900123"],
        addresses=["12 Church Lane\nCanterbury\nCT1 3NG"],
    )
    assert found == (
        "I am [name] [name]. [name]'s number is [phone] and I live at [address], Canterbury; "
        "write to [email] or to [name]."
    )


def test_a_hyphenated_own_name_is_removed_whole_and_in_parts() -> None:
    found = redact("Jones-Okoro and Okoro signed.", names=["Mrs Ada Jones-Okoro"])
    assert found == "[name] and [name] signed."
    # The title in the name field is not a name: other titles stay.
    assert redact("Mrs Lee came.", names=["Mrs Ada Jones-Okoro"]) == "Mrs [name] came."


def test_empty_and_missing_details_are_skipped() -> None:
    text = "Nothing personal here, on Ward 12."
    assert redact(text, names=[None, "", " "], emails=[None], phones=["", "12"],
                  addresses=[None, "Kent"]) == text  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "She was on Ward 12, bed 4, from 14:05 until 07:30 on 23/11/2026.",
        "Seen on 2026-11-23 and 01.02.2026, reference CON-2026-000123 and MR-2026-000012.",
        "The unit RZZ01-MAT and site ZQL01 of trust ZJK.",
        "Victoria Ward, Florence Nightingale Ward and Harvey Unit were full.",
        "St George's Hospital and Queen Elizabeth The Queen Mother Hospital.",
        "The NHS, ICU, HDU and A&E staff; the nurse said my sister was fine.",
        "I miss Canterbury. Amber alert. It cost £1,200 for 3 nights.",
        "On Monday in November the doctor came at 10 past 9.",
        "Dear Sir or Madam, I am writing about my mother.",
        "Emoji stay 🙂👍🏽, so do Ελληνικά, العربية and 中文 words.",
        "Counted 1234567 cases, 12345678901234 rows.",
    ],
)
def test_text_that_names_nobody_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_overlapping_finds_become_one_marker() -> None:
    # The person's name is inside their e-mail address: one marker, the address's.
    assert redact("sarah.jones@example.org", names=["Sarah Jones"]) == "[email]"


def test_long_text_is_redacted_quickly_enough() -> None:
    text = "Dr Patel rang 07700 900123 about Sarah on Ward 12. " * 200  # 10,000 characters
    found = redact(text, names=["Sarah"])
    assert found.count("[phone]") == 200
    assert "Sarah" not in found
    assert "Ward 12" in found
